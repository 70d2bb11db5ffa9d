"""A store with its payment configuration, for the platform or for the store itself."""

from __future__ import annotations

from application.lookups import require_store
from application.ports import UnitOfWorkFactory
from domain.store import Store


class GetStore:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, store_id: str) -> Store:
        async with self._uow_factory() as uow:
            return await require_store(uow, store_id)
