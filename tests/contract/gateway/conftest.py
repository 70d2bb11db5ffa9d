"""The gateways the contract runs on: each entry of ``GATEWAYS`` builds a gateway and its driver.

``stripe`` is the Stripe adapter talking, through stripe-python, to an in-process fake Stripe that
checks every request and keeps its state in a simulated gateway; what only Stripe's test mode can
do (paying with a test card, finishing onboarding, disputes) the driver does on that simulator,
whose events the Stripe adapter verifies. A real Stripe account in test mode would join the same
way, with a driver on Stripe's test helpers and a webhook forwarder.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.simulated import SimulatedGateway
from adapters.stripe import StripeGateway
from application.gateway import PaymentGateway

from .drivers import GatewayDriver, Inbox, SimulatedDriver
from .fake_stripe import API_BASE, FakeStripe

WEBHOOK_SECRET = "whsec_contract_platform_endpoint"
CONNECT_WEBHOOK_SECRET = "whsec_contract_connect_endpoint"
STRIPE_SECRET_KEY = "sk_test_contract0000000000000000"
STRIPE_PUBLISHABLE_KEY = "pk_test_contract0000000000000000"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = T0) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        self._now += timedelta(seconds=seconds)
        return self._now


@dataclass(frozen=True, slots=True)
class Kit:
    gateway: PaymentGateway
    driver: GatewayDriver


@asynccontextmanager
async def simulated(clock: FakeClock) -> AsyncIterator[Kit]:
    inbox = Inbox()
    gateway = SimulatedGateway(
        webhook_secret=WEBHOOK_SECRET,
        connect_webhook_secret=CONNECT_WEBHOOK_SECRET,
        clock=clock.now,
        deliver=inbox.receive,
    )
    yield Kit(gateway, SimulatedDriver(gateway, inbox))


@dataclass(frozen=True, slots=True)
class StripeParts:
    gateway: StripeGateway
    transport: FakeStripe
    simulator: SimulatedGateway
    inbox: Inbox


def stripe_parts(clock: FakeClock, **options: Any) -> StripeParts:
    """The Stripe adapter on a fake Stripe over a simulator; ``options`` go to the adapter."""
    inbox = Inbox()
    simulator = SimulatedGateway(
        webhook_secret=WEBHOOK_SECRET,
        connect_webhook_secret=CONNECT_WEBHOOK_SECRET,
        clock=clock.now,
        deliver=inbox.receive,
    )
    transport = FakeStripe(simulator, secret_key=STRIPE_SECRET_KEY, clock=clock.now)
    gateway = StripeGateway(
        secret_key=STRIPE_SECRET_KEY,
        publishable_key=STRIPE_PUBLISHABLE_KEY,
        webhook_secret=WEBHOOK_SECRET,
        connect_webhook_secret=CONNECT_WEBHOOK_SECRET,
        api_base=API_BASE,
        http_client=transport,
        clock=clock.now,
        **options,
    )
    return StripeParts(gateway, transport, simulator, inbox)


@asynccontextmanager
async def stripe(clock: FakeClock) -> AsyncIterator[Kit]:
    parts = stripe_parts(clock)
    yield Kit(parts.gateway, SimulatedDriver(parts.simulator, parts.inbox))


GATEWAYS: dict[str, Callable[[FakeClock], AbstractAsyncContextManager[Kit]]] = {
    "simulated": simulated,
    "stripe": stripe,
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=list(GATEWAYS))
async def kit(
    request: pytest.FixtureRequest, clock: FakeClock, anyio_backend: str
) -> AsyncIterator[Kit]:
    async with GATEWAYS[request.param](clock) as built:
        yield built


@pytest.fixture
def gateway(kit: Kit) -> PaymentGateway:
    return kit.gateway


@pytest.fixture
def driver(kit: Kit) -> GatewayDriver:
    return kit.driver
