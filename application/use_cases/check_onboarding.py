"""Where a store's onboarding stands, asked of the gateway (the page onboarding returns to)."""

from __future__ import annotations

from dataclasses import dataclass

from application.errors import PaymentsNotSetUp
from application.gateway import PaymentGateway
from application.lookups import require_store
from application.onboarding_links import LinkPurpose, OnboardingLinks
from application.outbox import OutboxWriter
from application.ports import Clock, IdGenerator, UnitOfWorkFactory
from application.stores import save_store
from domain.store import Store


@dataclass(frozen=True, slots=True)
class OnboardingCheck:
    store: Store
    refresh_url: str | None  # where to carry on, while onboarding is unfinished


class CheckOnboarding:
    """The return address's token is used once: the gateway sends the store back once."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        gateway: PaymentGateway,
        links: OnboardingLinks,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow_factory = uow_factory
        self._gateway = gateway
        self._links = links
        self._outbox = OutboxWriter(ids, clock)

    async def __call__(self, store_id: str, token: str) -> OnboardingCheck:
        nonce = self._links.check_token(store_id, token, LinkPurpose.RETURN)
        async with self._uow_factory() as uow:
            store = await require_store(uow, store_id)
        if store.account is None:
            raise PaymentsNotSetUp("this store has not set up payments yet")
        await self._links.use(nonce, LinkPurpose.RETURN)
        if store.account.deauthorized_at is None:
            store = await self._observed(store_id, store.account.account_id)
        # A disconnected store is shown as it is: the gateway no longer answers for the account.
        refresh_url = None
        if store.account is not None and store.account.needs_onboarding:
            refresh_url = self._links.address(store.id, LinkPurpose.REFRESH)
        return OnboardingCheck(store=store, refresh_url=refresh_url)

    async def _observed(self, store_id: str, account_id: str) -> Store:
        account = await self._gateway.retrieve_account(account_id)
        async with self._uow_factory() as uow:
            store = await require_store(uow, store_id)
            if store.account is not None:
                store.account.observe(account.snapshot)
                await save_store(uow, store, self._outbox)
                await uow.commit()
        return store
