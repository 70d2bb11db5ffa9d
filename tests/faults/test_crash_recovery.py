"""storepay killed between a call to Stripe and the commit that records its answer.

The crash is simulated in process: a gateway wrapper lets Stripe do the work, then raises a
``BaseException`` (as ``SystemExit`` or a cancelled task would), so nothing after the call runs
and no ``except Exception`` in storepay gets to tidy up. The "restart" is a new storepay (new
engine, new use cases) on the same database and the same Stripe emulator, which keeps Stripe's
idempotency rules. Then the client retries with its idempotency key and/or ``reconcile`` runs,
and there must be one intent / one refund at Stripe and in storepay, and books that balance.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from contract.databases import migrated_postgres, migrated_sqlite
from fault_kit import (
    Storepay,
    StripeWorld,
    doubled_ledger_entries,
    rows,
    storepay_on,
    unbalanced_payments,
)

from adapters.sqlalchemy import SqlUnitOfWorkFactory, create_engine
from application.gateway import PaymentGateway
from application.use_cases.refund_payment import RefundOrder
from domain.payment import PaymentStatus
from domain.refund import RefundStatus

pytestmark = pytest.mark.anyio

SUCCEEDS = "4242424242424242"
CREATE_INTENT = "create a payment intent"
CREATE_REFUND = "create a refund"
STUCK = timedelta(minutes=16)  # older than the reconciler's 15 minutes


class Killed(BaseException):
    """The process died here."""


class DiesAfter:
    """A gateway whose ``operation`` completes at Stripe, then the process dies."""

    def __init__(self, inner: PaymentGateway, operation: str) -> None:
        self._inner = inner
        self._operation = operation

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name != self._operation:
            return attribute

        async def then_die(*args: Any, **kwargs: Any) -> Any:
            await attribute(*args, **kwargs)
            raise Killed(f"killed after {name} returned")

        return then_die


Database = Callable[[Path], AbstractAsyncContextManager[SqlUnitOfWorkFactory]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> Database:
    if request.param == "sqlite":
        return migrated_sqlite
    return lambda _scratch: migrated_postgres()


@asynccontextmanager
async def restarted(crashed: SqlUnitOfWorkFactory) -> AsyncIterator[SqlUnitOfWorkFactory]:
    """The database as a new process finds it: the dead one's connections are gone."""
    url = crashed.engine.url.render_as_string(hide_password=False)
    await crashed.engine.dispose()
    engine = create_engine(url)
    try:
        yield SqlUnitOfWorkFactory(engine)
    finally:
        await engine.dispose()


async def assert_books_hold(storepay: Storepay) -> None:
    engine = storepay.uows.engine
    assert await doubled_ledger_entries(engine) == []
    assert await unbalanced_payments(engine) == []


async def test_killed_after_stripe_made_the_intent_the_retry_gets_that_same_intent(
    database: Database, tmp_path: Path, anyio_backend: str
) -> None:
    world = StripeWorld()
    async with database(tmp_path) as uows:
        dying = storepay_on(uows, world, DiesAfter(world.adapter(), "create_payment_intent"))
        store = await dying.onboarded_store()
        order = await dying.order(store, "A-1", 2000)
        with pytest.raises(Killed):
            await dying.checkout(store, order)
        assert world.created(CREATE_INTENT) == 1

        async with restarted(uows) as after:
            storepay = storepay_on(after, world)
            await storepay.deliver_webhooks()  # payment_intent.created: acknowledged, ignored
            world.clock.advance(STUCK)
            report = await storepay.use_cases.reconcile()
            assert report.failures == 0
            assert await rows(after.engine, "SELECT id FROM payments") == []

            retried = await storepay.checkout(store, order)  # the shopper's browser retries
            again = await storepay.checkout(store, order)

            assert world.created(CREATE_INTENT) == 1
            assert again.intent.id == retried.intent.id
            assert await rows(after.engine, "SELECT order_id, payment_intent_id FROM payments") == [
                (order.id, retried.intent.id)
            ]
            await world.stripe.confirm(retried.intent.id, retried.intent.client_secret, SUCCEEDS)
            await storepay.deliver_webhooks()
            payment = await storepay.use_cases.get_payment(store.id, retried.payment.id)
            assert payment.status is PaymentStatus.SUCCEEDED
            assert (await storepay.use_cases.get_order(store.id, order.id)).payment_attempts == 1
            await assert_books_hold(storepay)


@pytest.mark.parametrize("heals_first", ["reconcile", "webhook"])
async def test_killed_after_stripe_made_the_refund_one_refund_is_made_and_booked(
    database: Database, tmp_path: Path, anyio_backend: str, heals_first: str
) -> None:
    world = StripeWorld()
    async with database(tmp_path) as uows:
        dying = storepay_on(uows, world, DiesAfter(world.adapter(), "create_refund"))
        store = await dying.onboarded_store()
        made = await dying.checkout(store, await dying.order(store, "A-1", 2000))
        await world.stripe.confirm(made.intent.id, made.intent.client_secret, SUCCEEDS)
        await dying.deliver_webhooks()
        asked = RefundOrder(store.id, made.payment.id, amount=500, idempotency_key="refund-A-1")
        with pytest.raises(Killed):
            await dying.use_cases.refund_payment(asked)
        assert world.created(CREATE_REFUND) == 1

        async with restarted(uows) as after:
            storepay = storepay_on(after, world)
            # The store's back office retries with the same key: the refund it reserved.
            replayed = await storepay.use_cases.refund_payment(asked)
            assert replayed.refund.amount.minor_units == 500

            async def reconcile() -> None:
                world.clock.advance(STUCK)
                report = await storepay.use_cases.reconcile()
                assert report.failures == 0

            healers = [reconcile, storepay.deliver_webhooks]
            if heals_first == "webhook":
                healers.reverse()
            for heal in healers:
                await heal()
            await reconcile()  # and once more: nothing left to do, nothing done twice

            assert world.created(CREATE_REFUND) == 1
            payment = await storepay.use_cases.get_payment(store.id, made.payment.id)
            [refund] = payment.refunds
            assert refund.id == replayed.refund.id
            assert refund.status is RefundStatus.SUCCEEDED
            assert refund.gateway_refund_id is not None
            assert payment.amount_refunded.minor_units == 500
            assert payment.status is PaymentStatus.PARTIALLY_REFUNDED
            ledger = await rows(
                after.engine,
                "SELECT kind, amount FROM ledger_entries WHERE payment_id = :payment "
                "ORDER BY sequence",
                payment=made.payment.id,
            )
            assert ledger == [
                ("charge", 2000),
                ("platform_fee", 50),
                ("refund", 500),
                ("fee_refund", 13),
            ]
            await assert_books_hold(storepay)
