"""A storefront shows the shopper how a payment divides between store and platform."""

from __future__ import annotations

from application.lookups import require_store
from application.ports import UnitOfWorkFactory
from domain.currency import Currency
from domain.fees import FeeBreakdown
from domain.money import Money


class PreviewFee:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, store_id: str, amount: int, currency: str) -> FeeBreakdown:
        total = Money.of(amount, Currency.for_payments(currency))
        total.check_chargeable()
        async with self._uow_factory() as uow:
            store = await require_store(uow, store_id)
        return store.quote(total)
