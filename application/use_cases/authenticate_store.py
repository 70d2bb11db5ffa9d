"""Who is calling: the store an API key belongs to."""

from __future__ import annotations

from application.errors import Unauthorized
from application.ports import UnitOfWorkFactory
from domain.store import Store, hash_api_key


class AuthenticateStore:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, api_key: str) -> Store:
        if not api_key:
            raise Unauthorized("an API key is required")
        async with self._uow_factory() as uow:
            store = await uow.stores.by_api_key_hash(hash_api_key(api_key))
        if store is None:
            raise Unauthorized("unknown API key")
        return store
