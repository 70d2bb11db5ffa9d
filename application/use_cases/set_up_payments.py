"""A store sets up payments: its one connected account, and a fresh onboarding link each time."""

from __future__ import annotations

from dataclasses import dataclass

from application.gateway import GatewayAccount, NewAccount, OnboardingLink, PaymentGateway
from application.lookups import require_store
from application.onboarding_links import OnboardingLinks
from application.outbox import OutboxWriter
from application.ports import Clock, IdGenerator, UnitOfWorkFactory
from application.stores import save_store
from application.transactions import retrying
from domain.store import PostalAddress, Store


@dataclass(frozen=True, slots=True)
class PaymentSetup:
    store_id: str
    address_line1: str | None = None
    city: str | None = None
    postal_code: str | None = None


@dataclass(frozen=True, slots=True)
class SetUpPaymentsResult:
    account_id: str
    onboarding: OnboardingLink
    created: bool


class SetUpPayments:
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
        self._clock = clock
        self._outbox = OutboxWriter(ids, clock)

    async def __call__(self, command: PaymentSetup) -> SetUpPaymentsResult:
        address = PostalAddress(command.address_line1, command.city, command.postal_code)
        store = await retrying(lambda: self._remember_address(command.store_id, address))
        created = store.account is None
        account_id = (
            await self._create_account(store) if store.account is None else store.account.account_id
        )
        # A new account pays out on the gateway's default schedule until told the store's; telling
        # it on every call also heals a push that failed before.
        await self._gateway.set_payout_schedule(account_id, store.payout_settings.schedule)
        link = await self._links.mint(store.id, account_id)
        return SetUpPaymentsResult(account_id=account_id, onboarding=link, created=created)

    async def _remember_address(self, store_id: str, address: PostalAddress) -> Store:
        async with self._uow_factory() as uow:
            store = await require_store(uow, store_id)
            if address != PostalAddress():
                # The hosted onboarding collects the legal address; this is the store's record.
                store.move_to(address)
                await uow.stores.save(store)
                await uow.commit()
            return store

    async def _create_account(self, store: Store) -> str:
        # The key is the store's and the request holds only what never changes for it: however
        # often or concurrently this runs, the gateway creates one account for the store, ever.
        account = await self._gateway.create_account(
            NewAccount(
                store_id=store.id,
                business_name=store.name,
                email=store.business_email,
                country=store.country,
                idempotency_key=f"storepay:store:{store.id}:account",
            )
        )
        return await retrying(lambda: self._record_account(store.id, account))

    async def _record_account(self, store_id: str, account: GatewayAccount) -> str:
        async with self._uow_factory() as uow:
            store = await require_store(uow, store_id)
            connected = store.account
            if connected is None:
                connected = store.connect(account.account_id, self._clock.now())
                connected.observe(account.snapshot)
                await save_store(uow, store, self._outbox)
                await uow.commit()
            return connected.account_id
