"""The database or Stripe unavailable while storepay works, and storepay stopped while it works.

``storepay serve`` runs on the Stripe adapter on a fresh PostgreSQL database, made unavailable
by refusing it connections (``ALLOW_CONNECTIONS false``, its sessions terminated) or by a lock
it cannot get in time. Stripe's slowness is played by a local server that answers too late for
the adapter's timeout, in process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from contract.databases import migrated_postgres, migrated_sqlite
from dependency_injector import providers
from fault_kit import (
    ADMIN_TOKEN,
    PUBLISHABLE_KEY,
    SECRET_KEY,
    SHOPPER,
    STOREPAY,
    WEBHOOK_SECRET,
    Served,
    StripeWorld,
    closed_stripe,
    doubled_ledger_entries,
    event,
    intent,
    rows,
    serving,
    signed,
    storepay_on,
    unbalanced_payments,
)
from litestar.testing import AsyncTestClient
from sqlalchemy import pool, text

from adapters.sqlalchemy import create_engine
from adapters.stripe import StripeGateway
from application.use_cases.create_store import NewStore
from application.use_cases.set_up_payments import PaymentSetup
from domain.refund import RefundStatus
from entrypoints.container import build_service
from entrypoints.http.app import create_app
from entrypoints.settings import load_settings

pytestmark = pytest.mark.anyio

API = "/api/v1"
SUCCEEDS = "4242424242424242"
PROBLEM = "application/problem+json"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Seeded:
    url: str
    store_id: str
    order_id: str
    payment_id: str
    intent_id: str


async def seed_pending_payment() -> AsyncIterator[Seeded]:
    """A fresh PostgreSQL database with a store taking payments and an order awaiting its
    payment (made in process on the Stripe adapter over the Stripe emulator)."""
    world = StripeWorld(datetime.now(UTC))
    async with migrated_postgres() as uows:
        storepay = storepay_on(uows, world)
        store = await storepay.onboarded_store()
        order = await storepay.order(store, "A-1", 2000)
        made = await storepay.checkout(store, order)
        url = uows.engine.url.render_as_string(hide_password=False)
        await uows.engine.dispose()
        yield Seeded(url, store.id, order.id, made.payment.id, made.intent.id)


seeded_database = asynccontextmanager(seed_pending_payment)


async def on_server(*statements: str) -> None:
    engine = create_engine(
        os.environ["STOREPAY_TEST_POSTGRES_URL"],
        isolation_level="AUTOCOMMIT",
        poolclass=pool.NullPool,
    )
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


@asynccontextmanager
async def database_down(url: str) -> AsyncIterator[None]:
    """The database refuses every connection, and the ones it had are cut, until the end."""
    name = httpx.URL(url.replace("postgresql+asyncpg", "http")).path.strip("/")
    await on_server(
        f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false',
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
    )
    try:
        yield
    finally:
        await on_server(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def succeeded_event(seeded: Seeded, event_id: str) -> bytes:
    return event(
        event_id,
        "payment_intent.succeeded",
        datetime.now(UTC),
        intent(seeded.intent_id, 2000, "succeeded", "ch_outage"),
    )


async def post_event(client: httpx.AsyncClient, payload: bytes) -> httpx.Response:
    return await client.post(
        "/webhooks/stripe",
        content=payload,
        headers={"Stripe-Signature": signed(payload), "Content-Type": "application/json"},
    )


def assert_problem(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    document: dict[str, Any] = answer.json()
    assert document["status"] == status
    assert document["code"] == code
    assert {"type", "title", "detail"} <= set(document)
    return document


async def payment_row(url: str, payment_id: str) -> tuple[Any, ...]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        [row] = await rows(
            engine,
            "SELECT status, amount_refunded FROM payments WHERE id = :payment",
            payment=payment_id,
        )
        assert await doubled_ledger_entries(engine) == []
        assert await unbalanced_payments(engine) == []
        return row
    finally:
        await engine.dispose()


@contextmanager
def served_on(url: str, work: Path) -> Iterator[Served]:
    with closed_stripe() as stripe_url, serving(url, stripe_url, work) as served:
        yield served


# -- the database down ------------------------------------------------------------------------


async def test_a_webhook_while_the_database_is_down_is_refused_503_then_applied_on_retry(
    anyio_backend: str, tmp_path: Path
) -> None:
    async with seeded_database() as seeded:
        with served_on(seeded.url, tmp_path) as served:
            async with httpx.AsyncClient(base_url=served.base, timeout=30) as client:
                payload = succeeded_event(seeded, "evt_outage_1")
                async with database_down(seeded.url):
                    refused = await post_event(client, payload)
                    not_ready = await client.get("/ready")
                assert_problem(refused, 503, "service_unavailable")
                assert refused.headers.get("retry-after")
                assert_problem(not_ready, 503, "service_unavailable")

                assert (await client.get("/ready")).status_code == 200
                retried = await post_event(client, payload)  # Stripe sends it again
                assert retried.status_code == 200, retried.text
                assert (await post_event(client, payload)).status_code == 200

        assert await payment_row(seeded.url, seeded.payment_id) == ("succeeded", 0)


async def test_a_webhook_failing_on_the_database_is_kept_and_reconcile_applies_it(
    anyio_backend: str, tmp_path: Path
) -> None:
    """The event is stored, but applying it cannot get the payment in time (its table locked by
    another session, past the database's lock timeout): 503, the event kept as failed, and
    ``storepay reconcile`` applies it once the database lets go."""
    async with seeded_database() as seeded:
        name = seeded.url.rsplit("/", 1)[1]
        await on_server(f"ALTER DATABASE \"{name}\" SET lock_timeout = '300ms'")
        with served_on(seeded.url, tmp_path) as served:
            async with httpx.AsyncClient(base_url=served.base, timeout=30) as client:
                payload = succeeded_event(seeded, "evt_outage_2")
                blocker = create_engine(seeded.url, poolclass=pool.NullPool)
                try:
                    async with blocker.connect() as connection, connection.begin():
                        await connection.execute(
                            text("LOCK TABLE payments IN ACCESS EXCLUSIVE MODE")
                        )
                        refused = await post_event(client, payload)
                        [(status, attempts)] = await rows(
                            create_engine(seeded.url, poolclass=pool.NullPool),
                            "SELECT status, attempts FROM inbox_events WHERE event_id = :e",
                            e="evt_outage_2",
                        )
                finally:
                    await blocker.dispose()
                assert_problem(refused, 503, "service_unavailable")
                assert (status, attempts) == ("failed", 1)

                reconciled = await asyncio.to_thread(reconcile_command, seeded.url, served)
                assert "events retried    1 (1 recovered)" in reconciled, reconciled
                # Stripe's own retry comes later: a duplicate, acknowledged, nothing changed.
                assert (await post_event(client, payload)).status_code == 200

        assert await payment_row(seeded.url, seeded.payment_id) == ("succeeded", 0)


def reconcile_command(url: str, served: Served) -> str:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("STOREPAY_", "STRIPE_"))
    }
    environment.update(
        STOREPAY_DATABASE_URL=url,
        STOREPAY_ADMIN_TOKEN=ADMIN_TOKEN,
        STOREPAY_GATEWAY="stripe",
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_PUBLISHABLE_KEY=PUBLISHABLE_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=served.base + "/no-stripe-here",
    )
    done = subprocess.run(
        [str(STOREPAY), "reconcile"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


# -- stopping -----------------------------------------------------------------------------------


async def test_sigterm_lets_a_request_in_flight_finish_with_200(
    anyio_backend: str, tmp_path: Path
) -> None:
    """A request held up in the database (its table locked by another session) is in flight
    when the server is told to stop; it still gets its answer, then the server exits 0."""
    async with seeded_database() as seeded:
        with served_on(seeded.url, tmp_path) as served:
            async with httpx.AsyncClient(base_url=served.base, timeout=30) as client:
                blocker = create_engine(seeded.url, poolclass=pool.NullPool)
                try:
                    async with blocker.connect() as connection, connection.begin():
                        await connection.execute(text("LOCK TABLE stores IN ACCESS EXCLUSIVE MODE"))
                        slow = asyncio.create_task(
                            client.get(
                                f"{API}/admin/stores/{seeded.store_id}",
                                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                            )
                        )
                        await asyncio.sleep(0.5)
                        assert not slow.done()
                        served.process.send_signal(signal.SIGTERM)
                        await asyncio.sleep(1.0)
                        assert served.process.poll() is None, "stopped with a request in flight"
                        assert not slow.done()
                finally:
                    await blocker.dispose()
                answer = await slow
                assert answer.status_code == 200, answer.text
                assert answer.json()["id"] == seeded.store_id
            assert await asyncio.to_thread(served.process.wait, 30) == 0, served.output()


# -- Stripe too slow ----------------------------------------------------------------------------


class _TooSlow(BaseHTTPRequestHandler):
    """A Stripe that answers long after the adapter stopped waiting."""

    def _late(self) -> None:
        time.sleep(2)
        body = b"{}"
        try:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the caller hung up long ago

    do_GET = do_POST = _late

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextmanager
def slow_stripe() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TooSlow)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_stripe_timing_out_is_a_503_gateway_unavailable_and_nothing_is_half_written(
    anyio_backend: str, tmp_path: Path
) -> None:
    world = StripeWorld(datetime.now(UTC))
    async with migrated_sqlite(tmp_path) as uows:
        storepay = storepay_on(uows, world)
        created = await storepay.use_cases.create_store(
            NewStore(name="Kiosk", business_email="owner@kiosk.example")
        )
        setup = await storepay.use_cases.set_up_payments(PaymentSetup(store_id=created.store.id))
        await world.stripe.complete_onboarding(setup.account_id)
        await storepay.deliver_webhooks()
        store = await storepay.use_cases.get_store(created.store.id)
        unpaid = await storepay.order(store, "A-1", 2000)
        paid = await storepay.checkout(store, await storepay.order(store, "A-2", 2000))
        await world.stripe.confirm(paid.intent.id, paid.intent.client_secret, SUCCEEDS)
        await storepay.deliver_webhooks()
        url = uows.engine.url.render_as_string(hide_password=False)

        with slow_stripe() as stripe_url:
            service = build_service(
                load_settings(
                    {
                        "STOREPAY_DATABASE_URL": url,
                        "STOREPAY_ADMIN_TOKEN": ADMIN_TOKEN,
                        "STOREPAY_RECONCILE_INTERVAL_SECONDS": "0",
                        "STOREPAY_RATE_LIMIT_PER_MINUTE": "0",
                        "STOREPAY_GATEWAY": "stripe",
                        "STRIPE_SECRET_KEY": SECRET_KEY,
                        "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
                        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                    }
                )
            )
            slow = StripeGateway(
                secret_key=SECRET_KEY,
                publishable_key=PUBLISHABLE_KEY,
                webhook_secret=WEBHOOK_SECRET,
                api_base=stripe_url,
                timeout_seconds=0.3,
                max_network_retries=1,
            )
            with service.adapters.gateway.override(providers.Object(slow)):
                async with AsyncTestClient(create_app(service)) as client:
                    checkout = await client.post(
                        f"{API}/platform/stores/{store.id}/payments/create-intent",
                        json={"order_id": unpaid.id, "amount": 2000, "customer_email": SHOPPER},
                    )
                    refund = await client.post(
                        f"{API}/store/payments/{paid.payment.id}/refunds",
                        json={"amount": 500},
                        headers={"Authorization": f"Bearer {created.api_key}"},
                    )
        for answer in (checkout, refund):
            document = assert_problem(answer, 503, "gateway_unavailable")
            assert "Traceback" not in document["detail"]
            assert SECRET_KEY not in answer.text

        # Nothing half-written: no payment for the unpaid order; the refund stays reserved,
        # unknown to Stripe and out of the books, for the reconciler to ask Stripe again.
        assert (
            await rows(uows.engine, "SELECT id FROM payments WHERE order_id = :o", o=unpaid.id)
            == []
        )
        assert (await storepay.use_cases.get_order(store.id, unpaid.id)).payment_attempts == 0
        [reserved] = (await storepay.use_cases.get_payment(store.id, paid.payment.id)).refunds
        assert (reserved.status, reserved.gateway_refund_id) == (RefundStatus.PENDING, None)
        assert (
            await rows(uows.engine, "SELECT kind FROM ledger_entries WHERE kind = 'refund'") == []
        )
        assert world.created("create a refund") == 0

        # Stripe answers again: the reconciler submits the refund, the shopper's retry pays.
        world.clock.advance(timedelta(minutes=16))
        assert (await storepay.use_cases.reconcile()).failures == 0
        await storepay.deliver_webhooks()
        retried = await storepay.checkout(store, unpaid)
        assert world.created("create a refund") == 1
        assert world.created("create a payment intent") == 2
        payment = await storepay.use_cases.get_payment(store.id, paid.payment.id)
        assert [(r.id, r.status) for r in payment.refunds] == [
            (reserved.id, RefundStatus.SUCCEEDED)
        ]
        assert payment.amount_refunded.minor_units == 500
        assert retried.payment.order_id == unpaid.id
        assert await doubled_ledger_entries(uows.engine) == []
        assert await unbalanced_payments(uows.engine) == []
