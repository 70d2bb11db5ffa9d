"""What the fault tests share: storepay's use cases on its Stripe adapter over the Stripe
emulator, Stripe-shaped signed events, and ``storepay serve`` as a subprocess.

The emulator keeps Stripe's idempotency rules and its objects; it outlives the storepay built on
it, so a test can "restart" storepay (new units of work, new use cases, a new adapter) against the
same Stripe, as after a crash. Its wire keeps what each request was answered.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import stripe
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.memory.token_uses import MemoryTokenUses
from adapters.sqlalchemy import SqlUnitOfWorkFactory
from adapters.stripe import StripeGateway
from adapters.stripe_emulator import API_BASE, EmulatedStripe, StripeApi, StripeEmulator
from adapters.stripe_emulator.api import ROUTES
from adapters.system.api_keys import RandomSecrets
from adapters.system.clock import ManualClock
from adapters.system.ids import SequentialIds, TimeOrderedIds
from adapters.system.tokens import HmacTokenSigner
from application.gateway import PaymentGateway
from application.settings import ServiceSettings
from application.use_cases.catalogue import Ports, UseCases
from application.use_cases.create_payment_intent import IntentForOrder, PaymentIntentCreated
from application.use_cases.create_store import NewStore
from application.use_cases.register_order import NewOrder
from application.use_cases.set_up_payments import PaymentSetup
from domain.fees import Percentage
from domain.ledger import EntryKind
from domain.order import Order
from domain.store import Store

SECRET_KEY = "sk_test_faults000000000000000000"
PUBLISHABLE_KEY = "pk_test_faults000000000000000000"
WEBHOOK_SECRET = "whsec_faults_platform_endpoint"
ADMIN_TOKEN = "spa_faults_admin_token_0123456789"
PUBLIC_URL = "https://pay.example.test"
SHOPPER = "shopper@example.lu"
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
STOREPAY = Path(sys.executable).with_name("storepay")


# -- Stripe as it outlives storepay -------------------------------------------------------------


@dataclass
class Delivery:
    payload: bytes
    signature: str
    connect: bool


@dataclass(frozen=True, slots=True)
class Sent:
    """A request as Stripe received it (named as the emulator's API names it), and its answer."""

    operation: str
    status: int
    replayed: bool


class RecordingStripe(EmulatedStripe):
    """The emulator's wire, keeping every request and what it was answered."""

    def __init__(self, api: StripeApi) -> None:
        super().__init__(api)
        self.sent: list[Sent] = []

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        body, status, answer_headers = await super().request_async(method, url, headers, post_data)
        replayed = answer_headers.get("idempotent-replayed") == "true"
        self.sent.append(Sent(_operation(method.upper(), urlsplit(url).path), status, replayed))
        return body, status, answer_headers


def _operation(method: str, path: str) -> str:
    for route in ROUTES:
        if route.method == method and route.pattern.fullmatch(path):
            return route.name
    return f"{method} {path}"


class StripeWorld:
    """The Stripe emulator and the webhooks it has sent, not yet handed to storepay."""

    def __init__(self, start: datetime = T0) -> None:
        self.clock = ManualClock(start)
        self.outbox: list[Delivery] = []
        self.stripe = StripeEmulator(
            webhook_secret=WEBHOOK_SECRET, clock=self.clock.now, deliver=self._receive
        )
        self.transport = RecordingStripe(StripeApi(self.stripe, secret_keys=[SECRET_KEY]))

    async def _receive(self, payload: bytes, signature: str, connect: bool) -> None:
        self.outbox.append(Delivery(payload, signature, connect))

    def adapter(self, **options: Any) -> StripeGateway:
        """storepay's Stripe adapter on this Stripe (a new one for each storepay)."""
        return StripeGateway(
            secret_key=SECRET_KEY,
            publishable_key=PUBLISHABLE_KEY,
            webhook_secret=WEBHOOK_SECRET,
            api_base=API_BASE,
            http_client=self.transport,
            clock=self.clock.now,
            **options,
        )

    def created(self, operation: str) -> int:
        """How many objects Stripe really made with ``operation`` (replays not counted)."""
        return sum(
            1
            for sent in self.transport.sent
            if sent.operation == operation and sent.status == 200 and not sent.replayed
        )


@dataclass
class Storepay:
    """One run of storepay: its use cases on a database and a gateway."""

    use_cases: UseCases
    uows: SqlUnitOfWorkFactory
    world: StripeWorld

    async def deliver_webhooks(self) -> None:
        """Hand storepay every webhook Stripe has sent so far, in order, each signed when it
        is delivered (as Stripe signs every attempt)."""
        while self.world.outbox:
            delivery = self.world.outbox.pop(0)
            await self.use_cases.handle_gateway_event(
                delivery.payload,
                signed(delivery.payload, self.world.clock.now()),
                connect=delivery.connect,
            )

    async def onboarded_store(self, name: str = "Kiosk") -> Store:
        created = await self.use_cases.create_store(
            NewStore(name=name, business_email="owner@kiosk.example", currency="EUR")
        )
        setup = await self.use_cases.set_up_payments(PaymentSetup(store_id=created.store.id))
        await self.world.stripe.complete_onboarding(setup.account_id)
        await self.deliver_webhooks()
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


def storepay_on(
    uows: SqlUnitOfWorkFactory,
    world: StripeWorld,
    gateway: PaymentGateway | None = None,
    *,
    sequential_ids: bool = False,
) -> Storepay:
    use_cases = UseCases(
        Ports(
            uow_factory=uows,
            gateway=gateway or world.adapter(),
            clock=world.clock,
            ids=SequentialIds() if sequential_ids else TimeOrderedIds(),
            secrets=RandomSecrets(),
            signer=HmacTokenSigner(b"storepay-fault-tests-signing-key"),
            settings=ServiceSettings(PUBLIC_URL, Percentage.parse("2.5")),
            token_uses=MemoryTokenUses(),
        )
    )
    return Storepay(use_cases, uows, world)


# -- Stripe-shaped events ---------------------------------------------------------------------


def event(event_id: str, kind: str, created: datetime, obj: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "api_version": stripe.api_version,
            "created": int(created.timestamp()),
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": kind,
            "data": {"object": obj},
        },
        separators=(",", ":"),
    ).encode()


def intent(
    intent_id: str, amount: int, status: str, charge_id: str | None, decline: str | None = None
) -> dict[str, Any]:
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "currency": "eur",
        "status": status,
        "latest_charge": charge_id,
        "last_payment_error": None
        if decline is None
        else {"type": "card_error", "code": "card_declined", "decline_code": decline},
        "metadata": {},
    }


def refund(
    refund_id: str, intent_id: str, charge_id: str, amount: int, status: str
) -> dict[str, Any]:
    return {
        "id": refund_id,
        "object": "refund",
        "amount": amount,
        "currency": "eur",
        "charge": charge_id,
        "payment_intent": intent_id,
        "status": status,
        "reason": "requested_by_customer",
        "failure_reason": None,
        "metadata": {},
    }


def dispute(
    dispute_id: str, intent_id: str, charge_id: str, amount: int, status: str
) -> dict[str, Any]:
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": amount,
        "currency": "eur",
        "charge": charge_id,
        "payment_intent": intent_id,
        "status": status,
        "reason": "fraudulent",
    }


def signed(payload: bytes, at: datetime | None = None) -> str:
    moment = at or datetime.now(UTC)
    return str(
        stripe.WebhookSignature.generate_signature_header(
            payload.decode(), WEBHOOK_SECRET, timestamp=int(moment.timestamp())
        )
    )


# -- the database, read directly ---------------------------------------------------------------


async def rows(engine: AsyncEngine, query: str, **parameters: Any) -> list[tuple[Any, ...]]:
    async with engine.connect() as connection:
        result = await connection.execute(text(query), parameters)
        return [tuple(row) for row in result]


ONCE_EACH = {
    EntryKind.CHARGE.value: None,
    EntryKind.PLATFORM_FEE.value: None,
    EntryKind.REFUND.value: EntryKind.REFUND_REVERSAL.value,
    EntryKind.DISPUTE.value: EntryKind.DISPUTE_REVERSAL.value,
}


async def doubled_ledger_entries(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    """Movements booked twice: a payment's charge or platform fee, a refund or a dispute
    written again without a reversal between. (Fee shares are corrected by further entries
    when an earlier refund is reported late; their sums are checked elsewhere.)"""
    counts: dict[tuple[str, str, str], int] = {}
    for payment_id, kind, reference, count in await rows(
        engine,
        "SELECT payment_id, kind, reference, count(*) FROM ledger_entries "
        "GROUP BY payment_id, kind, reference",
    ):
        counts[(payment_id, kind, reference)] = int(count)
    doubled: list[tuple[Any, ...]] = []
    for (payment_id, kind, reference), count in counts.items():
        if kind not in ONCE_EACH:
            continue
        reversal = ONCE_EACH[kind]
        reversed_times = 0 if reversal is None else counts.get((payment_id, reversal, reference), 0)
        if count - reversed_times > 1:
            doubled.append((payment_id, kind, reference, count, reversed_times))
    return doubled


async def unbalanced_payments(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    """Payments whose ledger disagrees with the payment: what the shopper paid, what went back
    to them, and the fee the platform keeps."""
    entries = await rows(engine, "SELECT payment_id, kind, amount FROM ledger_entries")
    payments = await rows(
        engine,
        "SELECT id, status, amount_total, amount_platform_fee, amount_refunded FROM payments",
    )
    sums: dict[tuple[str, str], int] = {}
    for payment_id, kind, amount in entries:
        sums[(payment_id, kind)] = sums.get((payment_id, kind), 0) + int(amount)
    wrong: list[tuple[Any, ...]] = []
    for payment_id, status, total, fee, refunded in payments:

        def total_of(kind: EntryKind, payment: str = payment_id) -> int:
            return sums.get((payment, kind.value), 0)

        charged = total_of(EntryKind.CHARGE)
        paid = status in ("succeeded", "partially_refunded", "refunded", "disputed")
        refunds = total_of(EntryKind.REFUND) - total_of(EntryKind.REFUND_REVERSAL)
        expected_charge = total if paid else 0
        if (
            charged != expected_charge
            or (paid and total_of(EntryKind.PLATFORM_FEE) != fee)
            or refunds != refunded
            or refunds > charged
        ):
            wrong.append((payment_id, status, total, charged, refunded, refunds))
    return wrong


# -- storepay serve as a subprocess -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _NoStripe(BaseHTTPRequestHandler):
    """A Stripe that is down: every call answers 503 (the webhook path never calls it)."""

    def _refuse(self) -> None:
        body = b'{"error":{"type":"api_error","message":"Stripe is down"}}'
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = _refuse

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextmanager
def closed_stripe() -> Iterator[str]:
    """The URL of a local Stripe that answers every call with 503."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NoStripe)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


@contextmanager
def serving(
    database_url: str, stripe_url: str, work: Path, *, workers: int = 1, **extra: str
) -> Iterator[Served]:
    """``storepay serve`` on the Stripe adapter (``STRIPE_API_BASE`` at ``stripe_url``)."""
    port = free_port()
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("STOREPAY_", "STRIPE_"))
    }
    environment.update(
        STOREPAY_DATABASE_URL=database_url,
        STOREPAY_ADMIN_TOKEN=ADMIN_TOKEN,
        STOREPAY_PUBLIC_URL=f"http://127.0.0.1:{port}",
        STOREPAY_RECONCILE_INTERVAL_SECONDS="0",
        STOREPAY_RATE_LIMIT_PER_MINUTE="0",
        STOREPAY_GATEWAY="stripe",
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_PUBLISHABLE_KEY=PUBLISHABLE_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe_url,
        **extra,
    )
    log = work / f"storepay-{port}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(STOREPAY), "serve", "--port", str(port), "--workers", str(workers)],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    served = Served(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_until_ready(served, workers)
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(served: Served, workers: int) -> None:
    deadline = time.monotonic() + 60
    with httpx.Client(base_url=served.base, timeout=5) as client:
        while True:
            try:
                if client.get("/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if served.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"storepay serve did not come up:\n{served.output()}")
            time.sleep(0.1)
    # Every worker has started its app (uvicorn says so once per worker) before the test begins.
    while served.output().count("Application startup complete") < workers:
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)
