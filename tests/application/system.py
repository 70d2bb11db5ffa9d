"""One storepay wired on fakes: memory storage, the Stripe adapter on the Stripe emulator, a
manual clock.

Tests drive it through its use cases, and act for shoppers, stores and banks through the
simulator's test-mode controls.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

import stripe
from anyio.lowlevel import checkpoint
from stripe_emulation import emulated_stripe

from adapters.memory import MemoryUnitOfWork, MemoryUnitOfWorkFactory
from adapters.memory.table import Table
from adapters.memory.token_uses import MemoryTokenUses
from adapters.stripe import StripeGateway
from adapters.stripe.gateway import MAX_NETWORK_RETRIES
from adapters.stripe_emulator import Delivery, EmulatedStripe, StripeApi, StripeEmulator
from adapters.stripe_emulator import cards as test_cards
from adapters.stripe_emulator.delivery import sign
from adapters.stripe_emulator.ids import sequential_ids
from adapters.system.api_keys import RandomSecrets
from adapters.system.clock import ManualClock
from adapters.system.ids import SequentialIds
from adapters.system.tokens import HmacTokenSigner
from application.ports import (
    CustomerRepository,
    CustomerSessionRepository,
    DeliveryOutcome,
    DomainEventOutbox,
    EventInbox,
    IdempotencyRepository,
    LedgerRepository,
    OrderRepository,
    PaymentMethodRepository,
    PaymentRepository,
    StoreRepository,
)
from application.settings import ServiceSettings
from application.use_cases.catalogue import Ports, UseCases
from application.use_cases.create_customer_session import SessionForOrder
from application.use_cases.create_payment_intent import IntentForOrder, PaymentIntentCreated
from application.use_cases.create_store import CreatedStore, NewStore
from application.use_cases.register_order import NewOrder
from application.use_cases.set_fee_policy import NewFeePolicy
from application.use_cases.set_up_payments import PaymentSetup
from domain.fees import Percentage
from domain.order import Order
from domain.payment import Payment
from domain.store import Store

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
WEBHOOK_SECRET = "whsec_application_platform"
CONNECT_WEBHOOK_SECRET = "whsec_application_connect"
SIGNING_KEY = b"storepay-application-tests-signing-key"
PUBLIC_URL = "https://pay.example.test"
SHOPPER = "shopper@example.lu"
OTHER_SHOPPER = "someone.else@example.lu"

SUCCEEDS = test_cards.SUCCEEDS
MASTERCARD = test_cards.SUCCEEDS_MASTERCARD
DECLINED = test_cards.DECLINED
INSUFFICIENT_FUNDS = test_cards.INSUFFICIENT_FUNDS
REQUIRES_AUTHENTICATION = test_cards.REQUIRES_AUTHENTICATION
DISPUTED = test_cards.DISPUTED
REFUND_FAILS = test_cards.REFUND_FAILS


class DatabaseDown(Exception):
    """The database could not be reached."""


class FlakyUnitOfWorkFactory:
    """Memory units of work whose next commits fail, as a database that went away would.

    A ``slow`` database lets other tasks run before each commit, so that concurrent
    transactions really overlap.
    """

    def __init__(self, inner: MemoryUnitOfWorkFactory, *, slow: bool = False) -> None:
        self.inner = inner
        self.slow = slow
        self.failing_commits = 0

    def fail_next_commits(self, count: int = 1) -> None:
        self.failing_commits = count

    def __call__(self) -> FlakyUnitOfWork:
        return FlakyUnitOfWork(self.inner(), self)


class FlakyUnitOfWork:
    def __init__(self, inner: MemoryUnitOfWork, factory: FlakyUnitOfWorkFactory) -> None:
        self._inner = inner
        self._factory = factory
        self.stores: StoreRepository = inner.stores
        self.orders: OrderRepository = inner.orders
        self.payments: PaymentRepository = inner.payments
        self.customers: CustomerRepository = inner.customers
        self.payment_methods: PaymentMethodRepository = inner.payment_methods
        self.customer_sessions: CustomerSessionRepository = inner.customer_sessions
        self.inbox: EventInbox = inner.inbox
        self.ledger: LedgerRepository = inner.ledger
        self.idempotency: IdempotencyRepository = inner.idempotency
        self.outbox: DomainEventOutbox = inner.outbox

    async def __aenter__(self) -> Self:
        await self._inner.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, traceback)

    async def commit(self) -> None:
        if self._factory.slow:
            await checkpoint()
        if self._factory.failing_commits > 0:
            self._factory.failing_commits -= 1
            await self._inner.rollback()
            raise DatabaseDown("could not reach the database")
        await self._inner.commit()

    async def rollback(self) -> None:
        await self._inner.rollback()


class IssuedIds:
    """The emulator's ids, sequential and remembered: which objects Stripe made, of each kind."""

    def __init__(self) -> None:
        self._next = sequential_ids()
        self._issued: list[str] = []

    def __call__(self, prefix: str) -> str:
        issued = self._next(prefix)
        self._issued.append(issued)
        return issued

    def of(self, prefix: str) -> list[str]:
        """The ids issued to objects of one kind (``acct``, ``pi``, ``re``…), oldest first."""
        return [issued for issued in self._issued if issued.startswith(f"{prefix}_")]


class FlakyStripe(EmulatedStripe):
    """The emulator a network away.

    With ``interleave``, each request lets other tasks run before and after it, so concurrent
    use cases really interleave. ``unreachable_for_refunds`` makes the next refund requests
    fail as a network failure would: before Stripe receives them, or, with ``answer_lost``,
    after it made the refund.
    """

    def __init__(self, api: StripeApi, *, interleave: bool = False) -> None:
        super().__init__(api)
        self.interleave = interleave
        self.unreachable_refunds = 0
        self.refund_answers_lost = False

    def unreachable_for_refunds(self, count: int = 1, *, answer_lost: bool = False) -> None:
        self.unreachable_refunds = count
        self.refund_answers_lost = answer_lost

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        if self.interleave:
            await checkpoint()
        unreachable = self.unreachable_refunds > 0 and url.endswith("/v1/refunds")
        if unreachable:
            self.unreachable_refunds -= 1
            if not self.refund_answers_lost:
                raise stripe.APIConnectionError("could not connect to Stripe")  # type: ignore[no-untyped-call]
        answer = await super().request_async(method, url, headers, post_data)
        if unreachable:
            raise stripe.APIConnectionError("the connection to Stripe was reset")  # type: ignore[no-untyped-call]
        if self.interleave:
            await checkpoint()
        return answer


@dataclass
class System:
    use_cases: UseCases
    gateway: StripeGateway
    stripe: StripeEmulator
    network: FlakyStripe
    stripe_ids: IssuedIds
    clock: ManualClock
    memory: MemoryUnitOfWorkFactory
    uows: FlakyUnitOfWorkFactory
    signer: HmacTokenSigner
    settings: ServiceSettings

    # -- arranging ----------------------------------------------------------------------------

    async def open_store(
        self, name: str = "Kiosk", *, currency: str = "EUR", country: str = "LU"
    ) -> CreatedStore:
        return await self.use_cases.create_store(
            NewStore(
                name=name,
                business_email=f"owner@{name.lower().replace(' ', '-')}.example",
                country=country,
                currency=currency,
            )
        )

    async def onboarded_store(
        self,
        name: str = "Kiosk",
        *,
        currency: str = "EUR",
        percentage: str | None = None,
        fixed_amount: int = 0,
    ) -> Store:
        store = (await self.open_store(name, currency=currency)).store
        if percentage is not None:
            await self.use_cases.set_fee_policy(
                NewFeePolicy(store.id, percentage, fixed_amount=fixed_amount)
            )
        setup = await self.use_cases.set_up_payments(PaymentSetup(store_id=store.id))
        await self.stripe.complete_onboarding(setup.account_id)
        await self.release_all()
        return await self.use_cases.get_store(store.id)

    async def order(
        self,
        store: Store,
        reference: str,
        amount: int = 1999,
        *,
        currency: str | None = None,
        email: str = SHOPPER,
    ) -> Order:
        registered = await self.use_cases.register_order(
            NewOrder(store.id, reference, email, amount, currency or store.currency.code)
        )
        return registered.order

    async def checkout(
        self,
        store: Store,
        order: Order,
        *,
        save_payment_method: bool = False,
        signed_in: bool = False,
        metadata: Mapping[str, str] | None = None,
    ) -> PaymentIntentCreated:
        """The shopper pays ``order``; ``signed_in`` at the store (which saving a card takes
        too), the store's backend gets them a customer session first."""
        session = (
            await self.customer_session(store, order) if signed_in or save_payment_method else None
        )
        return await self.use_cases.create_payment_intent(
            IntentForOrder(
                store.id,
                order.id,
                order.amount.minor_units,
                order.customer_email,
                metadata=metadata or {},
                save_payment_method=save_payment_method,
                customer_session=session,
            )
        )

    async def customer_session(self, store: Store, order: Order) -> str:
        issued = await self.use_cases.create_customer_session(SessionForOrder(store.id, order.id))
        return issued.token

    async def pay(self, made: PaymentIntentCreated, card: str = SUCCEEDS) -> dict[str, Any]:
        return await self.stripe.confirm(made.intent.id, made.intent.client_secret, card)

    async def paid_payment(
        self,
        store: Store,
        reference: str,
        amount: int = 1999,
        *,
        card: str = SUCCEEDS,
        email: str = SHOPPER,
        save_payment_method: bool = False,
    ) -> Payment:
        order = await self.order(store, reference, amount, email=email)
        made = await self.checkout(store, order, save_payment_method=save_payment_method)
        await self.pay(made, card)
        return await self.use_cases.get_payment(store.id, made.payment.id)

    async def release_all(self) -> None:
        """Deliver every held event, and again whatever a delivery sent or failed to deliver."""
        for _ in range(20):
            if not self.stripe.waiting_deliveries:
                return
            await self.stripe.release()
        raise AssertionError("deliveries keep failing")

    # -- webhooks as the tests write them -----------------------------------------------------

    def signature(self, payload: bytes, *, connect: bool = False) -> str:
        secret = CONNECT_WEBHOOK_SECRET if connect else WEBHOOK_SECRET
        return sign(payload, secret, self.clock.now())

    def signed(self, document: Mapping[str, Any], *, connect: bool = False) -> tuple[bytes, str]:
        payload = json.dumps(document).encode()
        return payload, self.signature(payload, connect=connect)

    def held_delivery(self, event_type: str, occurrence: int = 0) -> Delivery:
        """A delivery the gateway holds, to hand to the webhook handler by hand."""
        found = [d for d in self.stripe.waiting_deliveries if d.type == event_type]
        return found[occurrence]

    async def deliver(self, delivery: Delivery) -> DeliveryOutcome:
        return await self.use_cases.handle_gateway_event(
            delivery.payload,
            self.signature(delivery.payload, connect=delivery.connect),
            connect=delivery.connect,
        )

    def event(
        self,
        event_id: str,
        event_type: str,
        obj: Mapping[str, Any],
        *,
        account: str | None = None,
    ) -> dict[str, Any]:
        document: dict[str, Any] = {
            "id": event_id,
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": int(self.clock.now().timestamp()),
            "data": {"object": dict(obj)},
            "livemode": False,
            "type": event_type,
        }
        if account is not None:
            document["account"] = account
        return document

    # -- reading ------------------------------------------------------------------------------

    def stored(self) -> dict[str, object]:
        """Everything committed, comparable: a refusal must leave it exactly as it was."""
        database = self.memory.database
        tables: dict[str, Table[Any, Any]] = {
            "stores": database.stores,
            "orders": database.orders,
            "payments": database.payments,
            "customers": database.customers,
            "payment_methods": database.payment_methods,
            "inbox": database.inbox,
            "idempotency": database.idempotency,
            "outbox": database.outbox,
        }
        state: dict[str, object] = {
            name: {key: (row.version, repr(row.value)) for key, row in table.rows.items()}
            for name, table in tables.items()
        }
        state["ledger"] = [repr(entry) for entry in database.ledger.entries]
        state["version"] = database.version
        return state

    def events_of_type(self, event_type: str) -> list[dict[str, Any]]:
        return [event for event in self.stripe.sent_events if event["type"] == event_type]


def build_system(
    *,
    delivery_mode: str = "immediate",
    network: bool = False,
    slow_database: bool = False,
    settings: ServiceSettings | None = None,
    start: datetime = T0,
) -> System:
    clock = ManualClock(start)
    memory = MemoryUnitOfWorkFactory()
    uows = FlakyUnitOfWorkFactory(memory, slow=slow_database)
    stripe_ids = IssuedIds()
    emulated = emulated_stripe(
        webhook_secret=WEBHOOK_SECRET,
        connect_webhook_secret=CONNECT_WEBHOOK_SECRET,
        public_url=PUBLIC_URL,
        clock=clock.now,
        ids=stripe_ids,
        delivery_mode=delivery_mode,
        transport=lambda api: FlakyStripe(api, interleave=network),
        # A network failure reaches the use case at once; over a network that lets calls
        # overlap, a request whose idempotency key is still in use is answered 409 and
        # stripe-python asks again, as in service.
        max_network_retries=MAX_NETWORK_RETRIES if network else 0,
    )
    gateway, emulator = emulated.gateway, emulated.emulator
    assert isinstance(emulated.transport, FlakyStripe)
    signer = HmacTokenSigner(SIGNING_KEY)
    token_uses = MemoryTokenUses()
    settings = settings or ServiceSettings(PUBLIC_URL, Percentage.parse("2.5"))
    use_cases = UseCases(
        Ports(uows, gateway, clock, SequentialIds(), RandomSecrets(), signer, settings, token_uses)
    )

    async def deliver(payload: bytes, signature_header: str, connect: bool) -> None:
        await use_cases.handle_gateway_event(payload, signature_header, connect=connect)

    emulator.connect_delivery(deliver)
    return System(
        use_cases,
        gateway,
        emulator,
        emulated.transport,
        stripe_ids,
        clock,
        memory,
        uows,
        signer,
        settings,
    )


def later(system: System, **delta: float) -> datetime:
    return system.clock.advance(timedelta(**delta))
