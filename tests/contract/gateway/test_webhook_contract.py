"""Webhook deliveries: every one verifies, and nothing unsigned, altered or stale gets through."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import stripe
from security.malformed_events import MALFORMED

from adapters.stripe_emulator import cards
from adapters.stripe_emulator.delivery import sign
from application.gateway import GatewayEvent, InvalidEvent, PaymentGateway

from .builders import events, onboarded_account, paid_intent, parse
from .conftest import CONNECT_WEBHOOK_SECRET, WEBHOOK_SECRET, FakeClock
from .drivers import GatewayDriver, Received

pytestmark = pytest.mark.anyio


def an_event(event_id: str = "evt_1") -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": 1_793_000_000,
            "livemode": False,
            "type": "customer.created",
            "data": {"object": {"id": "cus_1", "object": "customer"}},
        }
    ).encode()


async def a_platform_delivery(gateway: PaymentGateway, driver: GatewayDriver) -> Received:
    account_id = await onboarded_account(gateway, driver)
    await paid_intent(gateway, driver, account_id)
    return next(d for d in await driver.received() if not d.connect)


async def test_every_delivery_verifies_on_its_endpoint(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)
    await paid_intent(gateway, driver, account_id, cards.DISPUTED)

    deliveries = await driver.received()
    typed = [parse(gateway, delivery) for delivery in deliveries]

    assert len(typed) >= 4
    assert len({event.event_id for event in typed}) == len(typed)
    for delivery, event in zip(deliveries, typed, strict=True):
        assert event.event_id.startswith("evt_")
        assert (event.account_id == account_id) is delivery.connect
        if event.type == "account.updated":
            assert delivery.connect is True
    assert {
        "account.updated",
        "payment_intent.succeeded",
        "charge.dispute.created",
    } <= {event.type for event in typed}


async def test_a_delivery_does_not_verify_on_the_other_endpoint(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)
    await paid_intent(gateway, driver, account_id)
    deliveries = await driver.received()
    connect = next(d for d in deliveries if d.connect)
    platform = next(d for d in deliveries if not d.connect)

    with pytest.raises(InvalidEvent):
        gateway.parse_event(connect.payload, connect.signature_header, connect=False)
    with pytest.raises(InvalidEvent):
        gateway.parse_event(platform.payload, platform.signature_header, connect=True)


async def test_a_tampered_body_is_refused(gateway: PaymentGateway, driver: GatewayDriver) -> None:
    delivery = await a_platform_delivery(gateway, driver)
    tampered = delivery.payload.replace(b'"livemode": false', b'"livemode": true')
    assert tampered != delivery.payload

    with pytest.raises(InvalidEvent):
        gateway.parse_event(tampered, delivery.signature_header, connect=False)


async def test_a_body_signed_with_another_secret_is_refused(
    gateway: PaymentGateway, clock: FakeClock
) -> None:
    payload = an_event()

    with pytest.raises(InvalidEvent):
        gateway.parse_event(
            payload, sign(payload, "whsec_someone_else", clock.now()), connect=False
        )


@pytest.mark.parametrize(
    ("connect", "secret"), [(False, WEBHOOK_SECRET), (True, CONNECT_WEBHOOK_SECRET)]
)
async def test_a_body_signed_with_the_endpoint_secret_is_accepted(
    gateway: PaymentGateway, clock: FakeClock, connect: bool, secret: str
) -> None:
    payload = an_event()

    event = gateway.parse_event(payload, sign(payload, secret, clock.now()), connect=connect)

    assert event.event_id == "evt_1"
    assert event.type == "customer.created"


@pytest.mark.parametrize(("age", "accepted"), [(299, True), (300, True), (301, False)])
async def test_a_signature_is_good_for_300_seconds(
    gateway: PaymentGateway, clock: FakeClock, age: int, accepted: bool
) -> None:
    payload = an_event()
    header = sign(payload, WEBHOOK_SECRET, clock.now())

    clock.advance(age)

    if accepted:
        assert gateway.parse_event(payload, header, connect=False).event_id == "evt_1"
    else:
        with pytest.raises(InvalidEvent):
            gateway.parse_event(payload, header, connect=False)


@pytest.mark.parametrize(("ahead", "accepted"), [(300, True), (301, False), (86_400, False)])
async def test_a_signature_dated_ahead_is_good_within_the_tolerance_only(
    gateway: PaymentGateway, clock: FakeClock, ahead: int, accepted: bool
) -> None:
    """Dated beyond the tolerance ahead, a signature would stay replayable until its date."""
    payload = an_event()
    header = sign(payload, WEBHOOK_SECRET, clock.now() + timedelta(seconds=ahead))

    if accepted:
        assert gateway.parse_event(payload, header, connect=False).event_id == "evt_1"
    else:
        with pytest.raises(InvalidEvent, match="ahead"):
            gateway.parse_event(payload, header, connect=False)


async def test_a_replayed_delivery_is_refused_once_stale(
    gateway: PaymentGateway, driver: GatewayDriver, clock: FakeClock
) -> None:
    delivery = await a_platform_delivery(gateway, driver)

    clock.advance(301)

    with pytest.raises(InvalidEvent):
        gateway.parse_event(delivery.payload, delivery.signature_header, connect=False)


@pytest.mark.parametrize(
    "header",
    ["", "garbage", "t=notanumber,v1=abc", "t=1793000000", "v1=abcdef", "t=1793000000,v0=abcdef"],
    ids=["missing", "garbage", "bad-timestamp", "no-signature", "no-timestamp", "other-scheme"],
)
async def test_a_missing_or_malformed_signature_is_refused(
    gateway: PaymentGateway, header: str
) -> None:
    with pytest.raises(InvalidEvent):
        gateway.parse_event(an_event(), header, connect=False)


@pytest.mark.parametrize(
    "payload",
    [
        b"not json at all",
        b"\xff\xfe\x00",
        b"[]",
        b'"an event"',
        b'{"id": "ch_1", "object": "charge", "amount": 100}',
        b'{"object": "event"}',
        b'{"id": "evt_1", "object": "event", "type": "payment_intent.succeeded", "created": 1}',
        b'{"id": "evt_1", "object": "event", "type": "x", "created": "yesterday", "data": {}}',
    ],
    ids=[
        "text",
        "not-utf8",
        "list",
        "string",
        "charge",
        "bare",
        "no-data",
        "bad-created",
    ],
)
async def test_a_signed_body_that_is_not_an_event_is_refused(
    gateway: PaymentGateway, clock: FakeClock, payload: bytes
) -> None:
    header = str(
        stripe.WebhookSignature.generate_signature_header(
            payload.decode("latin-1"), WEBHOOK_SECRET, timestamp=int(clock.now().timestamp())
        )
    )

    with pytest.raises(InvalidEvent):
        gateway.parse_event(payload, header, connect=False)


async def test_a_stored_body_is_typed_again_without_its_signature(
    gateway: PaymentGateway, driver: GatewayDriver, clock: FakeClock
) -> None:
    account_id = await onboarded_account(gateway, driver)
    await paid_intent(gateway, driver, account_id)
    verified: list[GatewayEvent] = await events(gateway, driver)

    clock.advance(3600)

    retyped = [
        gateway.type_event(delivery.payload, connect=delivery.connect)
        for delivery in await driver.received()
    ]
    assert retyped == verified
    with pytest.raises(InvalidEvent):
        gateway.type_event(b'{"object": "charge"}', connect=False)


async def test_the_parts_of_a_signature_may_come_in_any_order(
    gateway: PaymentGateway, clock: FakeClock
) -> None:
    payload = an_event()
    timestamp, signature = sign(payload, WEBHOOK_SECRET, clock.now()).split(",")

    event = gateway.parse_event(payload, f"{signature},{timestamp}", connect=False)

    assert event.event_id == "evt_1"


@pytest.mark.parametrize("malformed", sorted(MALFORMED))
async def test_an_authentic_body_that_cannot_be_read_is_an_invalid_event(
    gateway: PaymentGateway, clock: FakeClock, malformed: str
) -> None:
    payload = MALFORMED[malformed]

    with pytest.raises(InvalidEvent):
        gateway.parse_event(payload, sign(payload, WEBHOOK_SECRET, clock.now()), connect=False)
