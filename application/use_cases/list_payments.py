"""A store pages through its payments, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from application.errors import InvalidPage
from application.lookups import require_store
from application.ports import Page, UnitOfWorkFactory
from domain.payment import Payment, PaymentStatus

MAX_PAGE = 100


@dataclass(frozen=True, slots=True)
class PaymentQuery:
    store_id: str
    limit: int = 20
    status: str | None = None
    starting_after: str | None = None


class ListPayments:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, query: PaymentQuery) -> Page[Payment]:
        if not 1 <= query.limit <= MAX_PAGE:
            raise InvalidPage(f"limit is between 1 and {MAX_PAGE}")
        status = None
        if query.status is not None:
            try:
                status = PaymentStatus(query.status)
            except ValueError:
                raise InvalidPage(f"{query.status!r} is not a payment status") from None
        async with self._uow_factory() as uow:
            await require_store(uow, query.store_id)
            if query.starting_after is not None and (
                await uow.payments.get(query.store_id, query.starting_after) is None
            ):
                raise InvalidPage("starting_after names no payment of this store")
            return await uow.payments.page(
                query.store_id,
                limit=query.limit,
                status=status,
                starting_after=query.starting_after,
            )
