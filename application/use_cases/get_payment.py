"""A store reads one of its payments, with its refunds."""

from __future__ import annotations

from application.lookups import require_payment
from application.ports import UnitOfWorkFactory
from domain.payment import Payment


class GetPayment:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, store_id: str, payment_id: str) -> Payment:
        async with self._uow_factory() as uow:
            return await require_payment(uow, store_id, payment_id)
