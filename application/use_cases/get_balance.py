"""A store reads its takings per currency, summed from the ledger."""

from __future__ import annotations

from application.lookups import require_store
from application.ports import UnitOfWorkFactory
from domain.ledger import StoreBalance, store_balances


class GetBalance:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, store_id: str) -> list[StoreBalance]:
        async with self._uow_factory() as uow:
            await require_store(uow, store_id)
            return store_balances(await uow.ledger.for_store(store_id))
