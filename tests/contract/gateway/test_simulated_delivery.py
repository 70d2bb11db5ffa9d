"""How the simulated gateway delivers its events when callers overlap and deliveries fail."""

from __future__ import annotations

import asyncio

import pytest

from adapters.simulated import SimulatedGateway
from adapters.simulated.cards import SUCCEEDS

from .builders import intent_request, new_account
from .conftest import WEBHOOK_SECRET, FakeClock

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class SlowEndpoint:
    """An endpoint that takes its time, so that callers overlap; it can be down too."""

    def __init__(self, *, down: bool = False) -> None:
        self.down = down
        self.received: list[str] = []

    async def __call__(self, payload: bytes, signature_header: str, connect: bool) -> None:
        await asyncio.sleep(0.001)
        if self.down:
            raise ConnectionError("the endpoint is down")
        self.received.append(payload.decode())


async def _intents(sim: SimulatedGateway, count: int) -> list[tuple[str, str]]:
    account_id = (await sim.create_account(new_account("store_1"))).account_id
    await sim.complete_onboarding(account_id)
    made = [
        await sim.create_payment_intent(intent_request(account_id, key=f"order_{n}-attempt_1"))
        for n in range(count)
    ]
    return [(intent.id, intent.client_secret) for intent in made]


async def test_each_confirm_returns_after_its_own_events_were_delivered(clock: FakeClock) -> None:
    endpoint = SlowEndpoint()
    sim = SimulatedGateway(webhook_secret=WEBHOOK_SECRET, clock=clock.now, deliver=endpoint)
    intents = await _intents(sim, 20)

    async def confirm(intent_id: str, secret: str) -> bool:
        await sim.confirm(intent_id, secret, SUCCEEDS)
        return any(
            '"payment_intent.succeeded"' in body and f'"{intent_id}"' in body
            for body in endpoint.received
        )

    delivered = await asyncio.gather(*(confirm(*intent) for intent in intents))

    assert all(delivered)
    assert sim.waiting_deliveries == []


async def test_failed_deliveries_are_sent_again_until_the_schedule_is_spent(
    clock: FakeClock,
) -> None:
    endpoint = SlowEndpoint(down=True)
    sim = SimulatedGateway(
        webhook_secret=WEBHOOK_SECRET, clock=clock.now, deliver=endpoint, redelivery=(0.01, 0.01)
    )
    account_id = (await sim.create_account(new_account("store_1"))).account_id
    await sim.complete_onboarding(account_id)
    [waiting] = sim.waiting_deliveries

    for _ in range(100):
        await asyncio.sleep(0.01)
        if len(sim.failed_deliveries) == 3:
            break
    await asyncio.sleep(0.05)

    assert [failure.event_id for failure in sim.failed_deliveries] == [waiting.event_id] * 3
    assert sim.waiting_deliveries == [waiting]  # kept for release (or storepay's reconciler)
    endpoint.down = False
    assert await sim.release() == 1
    assert sim.waiting_deliveries == []
    assert len(endpoint.received) == 1


async def test_closing_stops_sending_again(clock: FakeClock) -> None:
    endpoint = SlowEndpoint(down=True)
    sim = SimulatedGateway(
        webhook_secret=WEBHOOK_SECRET, clock=clock.now, deliver=endpoint, redelivery=(60.0,)
    )
    account_id = (await sim.create_account(new_account("store_1"))).account_id
    await sim.complete_onboarding(account_id)

    await sim.aclose()
    await sim.aclose()

    assert len(sim.failed_deliveries) == 1
    assert len(sim.waiting_deliveries) == 1
