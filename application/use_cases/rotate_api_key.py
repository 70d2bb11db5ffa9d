"""The platform replaces a store's API key; the old one stops working at once."""

from __future__ import annotations

from application.lookups import require_store
from application.ports import SecretGenerator, UnitOfWorkFactory
from application.use_cases.create_store import API_KEY_PREFIX
from domain.store import hash_api_key


class RotateApiKey:
    def __init__(self, uow_factory: UnitOfWorkFactory, secrets: SecretGenerator) -> None:
        self._uow_factory = uow_factory
        self._secrets = secrets

    async def __call__(self, store_id: str) -> str:
        api_key = self._secrets.new_secret(API_KEY_PREFIX)
        async with self._uow_factory() as uow:
            store = await require_store(uow, store_id)
            store.rotate_api_key(hash_api_key(api_key))
            await uow.stores.save(store)
            await uow.commit()
        return api_key
