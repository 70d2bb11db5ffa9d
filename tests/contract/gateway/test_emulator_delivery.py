"""How the Stripe emulator delivers its events: signed as Stripe signs them, at once or held until
released (shuffled and duplicated on demand), sent again when the endpoint fails, and in order
when callers overlap or a delivery causes further events."""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter

import pytest
from stripe_emulation import emulated_stripe

from adapters.stripe_emulator import DeliveryMode, cards
from application.gateway import AccountUpdatedEvent, PaymentIntentEvent

from .builders import intent_request, onboarded_account, paid_intent, parse, refund_request
from .conftest import T0, WEBHOOK_SECRET, Emulated, FakeClock, on_the_emulator
from .drivers import EmulatorDriver, Inbox

pytestmark = pytest.mark.anyio


@pytest.fixture
async def stripe(clock: FakeClock, anyio_backend: str) -> Emulated:
    return on_the_emulator(clock, checked=False)


def received_ids(inbox: Inbox) -> list[str]:
    return [json.loads(delivery.payload)["id"] for delivery in inbox.deliveries]


def sent_ids(stripe: Emulated) -> list[str]:
    return [event["id"] for event in stripe.emulator.sent_events]


async def a_story(stripe: Emulated) -> None:
    """A marketplace morning: onboarding, a decline and a retry, 3-D Secure, a refund, a dispute."""
    gateway, emulator = stripe.gateway, stripe.emulator
    account_id = await onboarded_account(gateway, stripe.driver)
    customer_id = await gateway.ensure_customer(email="shopper@example.com", store_id="store_1")
    first = await gateway.create_payment_intent(
        intent_request(account_id, key="o1", customer_id=customer_id, save_payment_method=True)
    )
    await emulator.confirm(first.id, first.client_secret, cards.DECLINED)
    await emulator.confirm(first.id, first.client_secret, cards.SUCCEEDS)
    await gateway.create_refund(refund_request(first.id, "20.00", "0.50"))
    second = await gateway.create_payment_intent(intent_request(account_id, key="o2"))
    await emulator.confirm(second.id, second.client_secret, cards.REQUIRES_AUTHENTICATION)
    await emulator.authenticate(second.id, second.client_secret, success=True)
    await paid_intent(gateway, stripe.driver, account_id, cards.DISPUTED, key="o3")


async def test_immediate_delivery_sends_each_event_once_in_order(stripe: Emulated) -> None:
    await a_story(stripe)

    received = received_ids(stripe.inbox)

    assert received == sent_ids(stripe)
    assert [d.event_id for d in stripe.emulator.deliveries] == received
    assert len(received) == 19
    assert stripe.emulator.waiting_deliveries == []


async def test_held_events_wait_for_release(stripe: Emulated) -> None:
    stripe.emulator.delivery_mode = DeliveryMode.HELD

    await a_story(stripe)

    assert stripe.inbox.deliveries == []
    assert len(stripe.emulator.waiting_deliveries) == len(sent_ids(stripe))
    assert await stripe.emulator.release() == len(sent_ids(stripe))
    assert received_ids(stripe.inbox) == sent_ids(stripe)
    assert await stripe.emulator.release() == 0


async def test_released_events_arrive_shuffled_and_twice_each(stripe: Emulated) -> None:
    stripe.emulator.delivery_mode = "held"
    await a_story(stripe)
    emitted = sent_ids(stripe)

    made = await stripe.emulator.release(shuffle=random.Random(20261102), duplicate=True)

    received = received_ids(stripe.inbox)
    assert made == len(received) == 2 * len(emitted)
    assert Counter(received) == Counter(dict.fromkeys(emitted, 2))
    assert received[: len(emitted)] != emitted
    for delivery in stripe.inbox.deliveries:
        parse(stripe.gateway, delivery)


async def test_released_events_arrive_at_least_once_when_some_are_duplicated(
    stripe: Emulated,
) -> None:
    stripe.emulator.delivery_mode = DeliveryMode.HELD
    await a_story(stripe)

    await stripe.emulator.release(shuffle=random.Random(5), duplicate=0.5)

    counts = Counter(received_ids(stripe.inbox))
    assert set(counts) == set(sent_ids(stripe))
    assert set(counts.values()) == {1, 2}


async def test_released_events_are_signed_when_sent(stripe: Emulated, clock: FakeClock) -> None:
    stripe.emulator.delivery_mode = DeliveryMode.HELD
    await onboarded_account(stripe.gateway, stripe.driver)
    clock.advance(3600)

    await stripe.emulator.release()

    [delivery] = stripe.inbox.deliveries
    assert delivery.signature_header.startswith(f"t={int(clock.now().timestamp())},v1=")
    assert parse(stripe.gateway, delivery).created_at == T0


async def test_a_delivery_the_endpoint_refuses_is_sent_again(stripe: Emulated) -> None:
    received: list[str] = []
    refusals = iter([True, False])

    async def flaky(payload: bytes, signature_header: str, connect: bool) -> None:
        if json.loads(payload)["type"] == "account.updated" and next(refusals, False):
            raise RuntimeError("database down")
        received.append(json.loads(payload)["type"])

    stripe.emulator.connect_delivery(flaky)
    await onboarded_account(stripe.gateway, stripe.driver)

    [failure] = stripe.emulator.failed_deliveries
    assert (failure.type, failure.error) == ("account.updated", "RuntimeError('database down')")
    assert received == []
    assert [d.type for d in stripe.emulator.waiting_deliveries] == ["account.updated"]
    assert await stripe.emulator.release() == 1
    assert received == ["account.updated"]
    assert stripe.emulator.waiting_deliveries == []


async def test_events_caused_by_a_delivery_follow_it(stripe: Emulated) -> None:
    received: list[str] = []

    async def refund_on_payment(payload: bytes, signature_header: str, connect: bool) -> None:
        event = stripe.gateway.parse_event(payload, signature_header, connect=connect)
        received.append(event.type)
        if isinstance(event, PaymentIntentEvent) and event.type == "payment_intent.succeeded":
            await stripe.gateway.create_refund(
                refund_request(event.payment_intent_id, "5.00", "0.00")
            )

    stripe.emulator.connect_delivery(refund_on_payment)
    account_id = await onboarded_account(stripe.gateway, stripe.driver)
    await paid_intent(stripe.gateway, stripe.driver, account_id, cards.DISPUTED)

    assert received == [
        "account.updated",
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "refund.created",
        "charge.refunded",
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
    ]
    assert received == [event["type"] for event in stripe.emulator.sent_events]


async def test_events_wait_until_someone_listens(clock: FakeClock) -> None:
    built = emulated_stripe(webhook_secret=WEBHOOK_SECRET, clock=clock.now)
    inbox = Inbox()
    await onboarded_account(built.gateway, EmulatorDriver(built.emulator, inbox))

    assert [d.type for d in built.emulator.waiting_deliveries] == ["account.updated"]
    with pytest.raises(RuntimeError, match="no delivery callback"):
        await built.emulator.release()

    built.emulator.connect_delivery(inbox.receive, mode="immediate")
    await built.emulator.release()

    assert isinstance(parse(built.gateway, inbox.deliveries[0]), AccountUpdatedEvent)
    assert built.emulator.delivery_mode is DeliveryMode.IMMEDIATE


async def test_one_secret_serves_both_endpoints_unless_told(clock: FakeClock) -> None:
    inbox = Inbox()
    built = emulated_stripe(webhook_secret=WEBHOOK_SECRET, clock=clock.now, deliver=inbox.receive)
    await onboarded_account(built.gateway, EmulatorDriver(built.emulator, inbox))

    [delivery] = inbox.deliveries

    for connect in (True, False):
        assert built.gateway.parse_event(
            delivery.payload, delivery.signature_header, connect=connect
        )


# -- callers that overlap, endpoints that fail ---------------------------------------------------


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


async def test_each_confirm_returns_after_its_own_events_were_delivered(
    stripe: Emulated,
) -> None:
    endpoint = SlowEndpoint()
    stripe.emulator.connect_delivery(endpoint)
    account_id = await onboarded_account(stripe.gateway, stripe.driver)
    intents = [
        await stripe.gateway.create_payment_intent(
            intent_request(account_id, key=f"order_{n}-attempt_1")
        )
        for n in range(20)
    ]

    async def confirm(intent_id: str, secret: str) -> bool:
        await stripe.emulator.confirm(intent_id, secret, cards.SUCCEEDS)
        return any(
            '"payment_intent.succeeded"' in body and f'"{intent_id}"' in body
            for body in endpoint.received
        )

    delivered = await asyncio.gather(*(confirm(i.id, i.client_secret) for i in intents))

    assert all(delivered)
    assert stripe.emulator.waiting_deliveries == []


async def test_failed_deliveries_are_sent_again_until_the_schedule_is_spent(
    clock: FakeClock, anyio_backend: str
) -> None:
    endpoint = SlowEndpoint(down=True)
    stripe = on_the_emulator(clock, checked=False, redelivery=(0.01, 0.01))
    stripe.emulator.connect_delivery(endpoint)
    await onboarded_account(stripe.gateway, stripe.driver)
    [waiting] = stripe.emulator.waiting_deliveries

    for _ in range(100):
        await asyncio.sleep(0.01)
        if len(stripe.emulator.failed_deliveries) == 3:
            break
    await asyncio.sleep(0.05)

    failures = stripe.emulator.failed_deliveries
    assert [failure.event_id for failure in failures] == [waiting.event_id] * 3
    assert stripe.emulator.waiting_deliveries == [waiting]  # kept for release (or the reconciler)
    endpoint.down = False
    assert await stripe.emulator.release() == 1
    assert stripe.emulator.waiting_deliveries == []
    assert len(endpoint.received) == 1


async def test_closing_stops_sending_again(clock: FakeClock, anyio_backend: str) -> None:
    endpoint = SlowEndpoint(down=True)
    stripe = on_the_emulator(clock, checked=False, redelivery=(60.0,))
    stripe.emulator.connect_delivery(endpoint)
    await onboarded_account(stripe.gateway, stripe.driver)

    await stripe.emulator.aclose()
    await stripe.emulator.aclose()

    assert len(stripe.emulator.failed_deliveries) == 1
    assert len(stripe.emulator.waiting_deliveries) == 1
