"""A store reads one of its orders, with where its payment stands."""

from __future__ import annotations

from application.lookups import require_order
from application.ports import UnitOfWorkFactory
from domain.order import Order


class GetOrder:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, store_id: str, order_id: str) -> Order:
        async with self._uow_factory() as uow:
            return await require_order(uow, store_id, order_id)
