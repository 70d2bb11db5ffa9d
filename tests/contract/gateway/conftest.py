"""The gateways the contract runs on: each entry of ``GATEWAYS`` builds a gateway and its driver.

A real Stripe (test mode) joins by adding an entry; every contract test then runs on it too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from adapters.simulated import SimulatedGateway
from application.gateway import PaymentGateway

from .drivers import GatewayDriver, Inbox, SimulatedDriver

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


GATEWAYS: dict[str, Callable[[FakeClock], AbstractAsyncContextManager[Kit]]] = {
    "simulated": simulated,
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
