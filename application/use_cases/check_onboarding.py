"""Where a store's onboarding stands, asked of the gateway (the page onboarding returns to)."""

from __future__ import annotations

from application.errors import PaymentsNotSetUp
from application.gateway import PaymentGateway
from application.lookups import require_store
from application.onboarding_links import OnboardingLinks
from application.ports import UnitOfWorkFactory
from domain.store import Store


class CheckOnboarding:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, gateway: PaymentGateway, links: OnboardingLinks
    ) -> None:
        self._uow_factory = uow_factory
        self._gateway = gateway
        self._links = links

    async def __call__(self, store_id: str, token: str) -> Store:
        self._links.check_token(store_id, token)
        async with self._uow_factory() as uow:
            store = await require_store(uow, store_id)
        if store.account is None:
            raise PaymentsNotSetUp("this store has not set up payments yet")
        if store.account.deauthorized_at is not None:
            return store  # disconnected: the gateway no longer answers for the account
        account = await self._gateway.retrieve_account(store.account.account_id)
        async with self._uow_factory() as uow:
            store = await require_store(uow, store_id)
            if store.account is not None:
                store.account.observe(account.snapshot)
                store.account.pull_events()
                await uow.stores.save(store)
                await uow.commit()
        return store
