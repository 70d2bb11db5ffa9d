"""The platform opens a store; its API key is shown once and only its hash is kept."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports import Clock, IdGenerator, SecretGenerator, UnitOfWorkFactory
from application.settings import ServiceSettings
from domain.currency import Currency
from domain.store import Store, hash_api_key

API_KEY_PREFIX = "spk_"


@dataclass(frozen=True, slots=True)
class NewStore:
    name: str
    business_email: str
    business_phone: str | None = None
    country: str = "LU"
    currency: str = "EUR"


@dataclass(frozen=True, slots=True)
class CreatedStore:
    store: Store
    api_key: str


class CreateStore:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        secrets: SecretGenerator,
        settings: ServiceSettings,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._secrets = secrets
        self._settings = settings

    async def __call__(self, command: NewStore) -> CreatedStore:
        api_key = self._secrets.new_secret(API_KEY_PREFIX)
        store = Store.open(
            store_id=self._ids.new_id("store_"),
            name=command.name,
            business_email=command.business_email,
            business_phone=command.business_phone,
            country=command.country,
            currency=Currency.for_payments(command.currency),
            api_key_hash=hash_api_key(api_key),
            fee_percentage=self._settings.default_fee_percentage,
            created_at=self._clock.now(),
        )
        async with self._uow_factory() as uow:
            await uow.stores.add(store)
            await uow.commit()
        return CreatedStore(store=store, api_key=api_key)
