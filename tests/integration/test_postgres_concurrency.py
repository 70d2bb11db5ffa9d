"""Concurrent requests on real databases: the transactions and locks of the SQL adapters, not
the memory fakes, keep every change applied once and the books consistent.

PostgreSQL runs when ``STOREPAY_TEST_POSTGRES_URL`` names a server to use; SQLite always runs.
Each test gets a fresh database with the schema the migrations make. The Stripe adapter talks to
the Stripe emulator, which holds its webhooks, so each test decides when they arrive.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from contract.databases import migrated_postgres, migrated_sqlite
from sqlalchemy import Select, func, select
from stripe_emulation import emulated_stripe

from adapters.memory.token_uses import MemoryTokenUses
from adapters.sqlalchemy import SqlUnitOfWorkFactory
from adapters.sqlalchemy.tables import inbox_events, payments
from adapters.stripe import StripeGateway
from adapters.stripe_emulator import StripeEmulator, sequential_ids
from adapters.stripe_emulator import cards as test_cards
from adapters.stripe_emulator.delivery import sign
from adapters.system.api_keys import RandomSecrets
from adapters.system.clock import ManualClock
from adapters.system.ids import SequentialIds
from adapters.system.tokens import HmacTokenSigner
from application.ports import DeliveryOutcome, InboxStatus
from application.settings import ServiceSettings
from application.use_cases.catalogue import Ports, UseCases
from application.use_cases.create_payment_intent import IntentForOrder, PaymentIntentCreated
from application.use_cases.create_store import NewStore
from application.use_cases.refund_payment import RefundMade, RefundOrder
from application.use_cases.register_order import NewOrder
from application.use_cases.set_up_payments import PaymentSetup
from domain.errors import DomainError
from domain.fees import Percentage
from domain.ledger import EntryKind, LedgerEntry
from domain.money import Money
from domain.order import Order
from domain.payment import Payment, PaymentStatus
from domain.refund import RefundStatus
from domain.store import Store

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
WEBHOOK_SECRET = "whsec_concurrency"
PUBLIC_URL = "https://pay.example.test"
SHOPPER = "shopper@example.lu"
CONCURRENT_REQUESTS = 8


@dataclass
class System:
    use_cases: UseCases
    gateway: StripeGateway
    stripe: StripeEmulator
    clock: ManualClock
    uows: SqlUnitOfWorkFactory

    async def onboarded_store(self) -> Store:
        created = await self.use_cases.create_store(
            NewStore(name="Kiosk", business_email="owner@kiosk.example", currency="EUR")
        )
        setup = await self.use_cases.set_up_payments(PaymentSetup(store_id=created.store.id))
        await self.stripe.complete_onboarding(setup.account_id)
        await self.release_all()
        return await self.use_cases.get_store(created.store.id)

    async def order(self, store: Store, reference: str, amount: int) -> Order:
        registered = await self.use_cases.register_order(
            NewOrder(store.id, reference, SHOPPER, amount, store.currency.code)
        )
        return registered.order

    async def checkout(self, store: Store, order: Order) -> PaymentIntentCreated:
        return await self.use_cases.create_payment_intent(
            IntentForOrder(store.id, order.id, order.amount.minor_units, order.customer_email)
        )

    async def paid_payment(self, store: Store, reference: str, amount: int) -> Payment:
        made = await self.checkout(store, await self.order(store, reference, amount))
        await self.stripe.confirm(made.intent.id, made.intent.client_secret, test_cards.SUCCEEDS)
        await self.release_all()
        return await self.use_cases.get_payment(store.id, made.payment.id)

    async def release_all(self) -> None:
        for _ in range(20):
            if not self.stripe.waiting_deliveries:
                return
            await self.stripe.release()
        raise AssertionError("deliveries keep failing")

    async def ledger_of(self, payment: Payment) -> list[LedgerEntry]:
        async with self.uows() as uow:
            entries = await uow.ledger.for_store(payment.store_id)
        return [entry for entry in entries if entry.payment_id == payment.id]

    async def count(self, query: Select[int]) -> int:
        async with self.uows.engine.connect() as connection:
            return int(await connection.scalar(query) or 0)


def build_system(uows: SqlUnitOfWorkFactory) -> System:
    clock = ManualClock(T0)
    emulated = emulated_stripe(
        webhook_secret=WEBHOOK_SECRET,
        public_url=PUBLIC_URL,
        clock=clock.now,
        ids=sequential_ids(),
        delivery_mode="held",
    )
    use_cases = UseCases(
        Ports(
            uows,
            emulated.gateway,
            clock,
            SequentialIds(),
            RandomSecrets(),
            HmacTokenSigner(b"storepay-concurrency-tests-signing-key"),
            ServiceSettings(PUBLIC_URL, Percentage.parse("2.5")),
            MemoryTokenUses(),
        )
    )

    async def deliver(payload: bytes, signature: str, connect: bool) -> None:
        await use_cases.handle_gateway_event(payload, signature, connect=connect)

    emulated.emulator.connect_delivery(deliver)
    return System(use_cases, emulated.gateway, emulated.emulator, clock, uows)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sqlite", "postgresql"])
async def system(
    request: pytest.FixtureRequest, anyio_backend: str, tmp_path: Path
) -> AsyncIterator[System]:
    database: AbstractAsyncContextManager[SqlUnitOfWorkFactory] = (
        migrated_sqlite(tmp_path) if request.param == "sqlite" else migrated_postgres()
    )
    async with database as uows:
        yield build_system(uows)


def eur(minor_units: int) -> Money:
    return Money.of(minor_units, "EUR")


async def deliver_concurrently(system: System) -> tuple[Store, str, str, list[object]]:
    """The payment's ``payment_intent.succeeded`` event, handed over by concurrent requests."""
    store = await system.onboarded_store()
    made = await system.checkout(store, await system.order(store, "A-1", 2000))
    await system.release_all()
    await system.stripe.confirm(made.intent.id, made.intent.client_secret, test_cards.SUCCEEDS)
    [delivery] = [
        d for d in system.stripe.waiting_deliveries if d.type == "payment_intent.succeeded"
    ]
    signature = sign(delivery.payload, WEBHOOK_SECRET, system.clock.now())
    outcomes = await asyncio.gather(
        *(
            system.use_cases.handle_gateway_event(
                delivery.payload, signature, connect=delivery.connect
            )
            for _ in range(CONCURRENT_REQUESTS)
        ),
        return_exceptions=True,
    )
    return store, made.payment.id, delivery.event_id, list(outcomes)


async def test_one_event_applied_by_concurrent_sessions_has_one_effect(system: System) -> None:
    store, payment_id, event_id, outcomes = await deliver_concurrently(system)

    assert outcomes.count(DeliveryOutcome.APPLIED) == 1
    inbox_rows = select(func.count()).select_from(inbox_events)
    assert await system.count(inbox_rows.where(inbox_events.c.event_id == event_id)) == 1
    async with system.uows() as uow:
        stored = await uow.inbox.get(event_id)
    assert stored is not None
    assert stored.status is InboxStatus.PROCESSED
    assert stored.attempts == 1
    assert stored.last_error is None
    payment = await system.use_cases.get_payment(store.id, payment_id)
    assert payment.status is PaymentStatus.SUCCEEDED
    assert [(entry.kind, entry.amount) for entry in await system.ledger_of(payment)] == [
        (EntryKind.CHARGE, eur(2000)),
        (EntryKind.PLATFORM_FEE, eur(50)),
    ]


async def test_every_concurrent_delivery_of_one_event_is_acknowledged(system: System) -> None:
    _, _, _, outcomes = await deliver_concurrently(system)

    assert sorted(map(str, outcomes)) == sorted(
        [DeliveryOutcome.APPLIED] + [DeliveryOutcome.DUPLICATE] * (CONCURRENT_REQUESTS - 1)
    )


async def test_concurrent_refunds_together_exceeding_what_is_left_one_is_refused(
    system: System,
) -> None:
    store = await system.onboarded_store()
    payment = await system.paid_payment(store, "A-1", 2000)
    made: list[RefundMade] = []
    refused: list[DomainError] = []

    async def ask(amount: int) -> None:
        try:
            made.append(
                await system.use_cases.refund_payment(
                    RefundOrder(store.id, payment.id, amount=amount)
                )
            )
        except DomainError as error:
            refused.append(error)

    await asyncio.gather(ask(1200), ask(1000))
    await system.release_all()

    assert len(made) == 1
    assert [error.code for error in refused] == ["refund_exceeds_remaining"]
    refund = made[0].refund
    assert refund.amount in (eur(1200), eur(1000))
    fee_share = {eur(1200): eur(30), eur(1000): eur(25)}[refund.amount]
    final = await system.use_cases.get_payment(store.id, payment.id)
    assert [(r.id, r.amount, r.status) for r in final.refunds] == [
        (refund.id, refund.amount, RefundStatus.SUCCEEDED)
    ]
    assert final.amount_refunded == refund.amount
    assert final.platform_fee_refunded == fee_share
    assert final.status is PaymentStatus.PARTIALLY_REFUNDED
    assert [(entry.kind, entry.amount) for entry in await system.ledger_of(final)] == [
        (EntryKind.CHARGE, eur(2000)),
        (EntryKind.PLATFORM_FEE, eur(50)),
        (EntryKind.REFUND, refund.amount),
        (EntryKind.FEE_REFUND, fee_share),
    ]


async def test_concurrent_checkouts_of_one_order_yield_one_intent(system: System) -> None:
    store = await system.onboarded_store()
    order = await system.order(store, "A-1", 2000)

    made = await asyncio.gather(
        *(system.checkout(store, order) for _ in range(CONCURRENT_REQUESTS))
    )

    assert len({result.intent.id for result in made}) == 1
    assert len({result.payment.id for result in made}) == 1
    created = [e for e in system.stripe.sent_events if e["type"] == "payment_intent.created"]
    assert len(created) == 1
    assert await system.count(select(func.count()).select_from(payments)) == 1
    payment = await system.use_cases.get_payment(store.id, made[0].payment.id)
    assert payment.payment_intent_id == made[0].intent.id
    assert payment.amount_total == eur(2000)
    assert (await system.use_cases.get_order(store.id, order.id)).payment_attempts == 1
