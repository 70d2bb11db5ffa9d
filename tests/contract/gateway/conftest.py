"""The gateways the contract runs on: each entry of ``GATEWAYS`` builds a gateway and its driver.

``emulator`` is storepay's Stripe adapter talking, through stripe-python, to the Stripe emulator
(as in simulated mode) over a checked wire that holds every request against the table of what the
adapter may send. What only Stripe's test mode can do (paying with a test card, finishing
onboarding, disputes) the driver does through the emulator's test-mode actions, and the events the
emulator signs and delivers land in the driver's inbox. A real Stripe account in test mode would
join the same way, with a driver on Stripe's test helpers and a webhook forwarder.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from stripe_emulation import emulated_stripe

from adapters.stripe import StripeGateway
from adapters.stripe_emulator import EmulatedStripe, StripeEmulator
from application.gateway import PaymentGateway

from .checked_wire import CheckedWire
from .drivers import EmulatorDriver, GatewayDriver, Inbox

WEBHOOK_SECRET = "whsec_contract_platform_endpoint"
CONNECT_WEBHOOK_SECRET = "whsec_contract_connect_endpoint"
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


@dataclass(frozen=True, slots=True)
class Emulated:
    """The adapter, the emulator behind it, the checked wire between them and the driver."""

    gateway: StripeGateway
    emulator: StripeEmulator
    wire: EmulatedStripe
    inbox: Inbox
    driver: EmulatorDriver

    @property
    def checked_wire(self) -> CheckedWire:
        assert isinstance(self.wire, CheckedWire), "built with checked=False"
        return self.wire


def on_the_emulator(clock: FakeClock, *, checked: bool = True, **options: Any) -> Emulated:
    """``checked``: every request goes over a ``CheckedWire`` (else over the emulator's plain
    wire, as in simulated mode). ``options`` go to ``emulated_stripe``: the emulator's (``ids``,
    ``public_url``…) or the adapter's (``max_network_retries``…)."""
    inbox = Inbox()
    built = emulated_stripe(
        webhook_secret=WEBHOOK_SECRET,
        connect_webhook_secret=CONNECT_WEBHOOK_SECRET,
        clock=clock.now,
        deliver=inbox.receive,
        transport=CheckedWire if checked else EmulatedStripe,
        **options,
    )
    driver = EmulatorDriver(built.emulator, inbox)
    return Emulated(built.gateway, built.emulator, built.transport, inbox, driver)


@asynccontextmanager
async def emulator(clock: FakeClock) -> AsyncIterator[Kit]:
    emulated = on_the_emulator(clock)
    try:
        yield Kit(emulated.gateway, emulated.driver)
    finally:
        await emulated.emulator.aclose()


GATEWAYS: dict[str, Callable[[FakeClock], AbstractAsyncContextManager[Kit]]] = {
    "emulator": emulator,
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
