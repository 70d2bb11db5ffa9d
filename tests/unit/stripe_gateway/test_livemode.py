"""A key is of one mode, test or live, and so is every event: storepay acts only on events of its
key's mode (others are acknowledged and kept, not acted on), and refuses keys it cannot place
without repeating them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import stripe

from adapters.stripe import KeyMode, StripeGateway
from adapters.stripe.api_keys import publishable_key_mode, secret_key_mode
from application.gateway import IgnoredEvent, InvalidEvent, PaymentIntentEvent

from .scripted import CONNECT_WEBHOOK_SECRET, WEBHOOK_SECRET, ScriptedStripe, gateway_on

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LIVE_SECRET_KEY = "sk_live_not_a_real_key"  # shaped so that no secret scanner mistakes it
LIVE_PUBLISHABLE_KEY = "pk_live_51UnitLivePublishable000000"


def gateway(mode: KeyMode) -> StripeGateway:
    if mode is KeyMode.LIVE:
        return gateway_on(
            ScriptedStripe(),
            secret_key=LIVE_SECRET_KEY,
            publishable_key=LIVE_PUBLISHABLE_KEY,
            clock=lambda: NOW,
        )
    return gateway_on(ScriptedStripe(), clock=lambda: NOW)


def delivery(livemode: object, *, connect: bool = False) -> tuple[bytes, str]:
    event: dict[str, object] = {
        "id": "evt_1",
        "object": "event",
        "api_version": stripe.api_version,
        "created": int(NOW.timestamp()),
        "type": "payment_intent.succeeded",
        "data": {
            "object": {
                "id": "pi_1",
                "object": "payment_intent",
                "status": "succeeded",
                "latest_charge": "ch_1",
            }
        },
    }
    if livemode is not None:
        event["livemode"] = livemode
    if connect:
        event["account"] = "acct_1"
    payload = json.dumps(event).encode()
    header = stripe.WebhookSignature.generate_signature_header(
        payload.decode(),
        CONNECT_WEBHOOK_SECRET if connect else WEBHOOK_SECRET,
        timestamp=int(NOW.timestamp()),
    )
    return payload, str(header)


@pytest.mark.parametrize("connect", [False, True], ids=["platform", "connect"])
@pytest.mark.parametrize("mode", list(KeyMode))
def test_an_event_of_the_keys_mode_is_typed(mode: KeyMode, connect: bool) -> None:
    payload, header = delivery(mode is KeyMode.LIVE, connect=connect)

    event = gateway(mode).parse_event(payload, header, connect=connect)

    assert isinstance(event, PaymentIntentEvent)
    assert event.payment_intent_id == "pi_1"


@pytest.mark.parametrize("connect", [False, True], ids=["platform", "connect"])
@pytest.mark.parametrize("mode", list(KeyMode))
def test_an_event_of_the_other_mode_is_acknowledged_and_not_acted_on(
    mode: KeyMode, connect: bool
) -> None:
    payload, header = delivery(mode is not KeyMode.LIVE, connect=connect)

    event = gateway(mode).parse_event(payload, header, connect=connect)

    assert isinstance(event, IgnoredEvent)
    assert event.event_id == "evt_1"
    assert event.account_id == ("acct_1" if connect else None)


@pytest.mark.parametrize("livemode", [None, "false", 0], ids=["missing", "text", "number"])
def test_an_event_that_does_not_say_its_mode_is_refused(livemode: object) -> None:
    payload, header = delivery(livemode)

    with pytest.raises(InvalidEvent, match="live"):
        gateway(KeyMode.TEST).parse_event(payload, header, connect=False)


@pytest.mark.parametrize(
    ("key", "mode"),
    [
        ("sk_test_51abc", KeyMode.TEST),
        ("rk_test_51abc", KeyMode.TEST),
        ("sk_live_51abc", KeyMode.LIVE),
        ("rk_live_51abc", KeyMode.LIVE),
    ],
)
def test_a_secret_key_says_its_mode(key: str, mode: KeyMode) -> None:
    assert secret_key_mode(key) is mode
    assert mode.livemode is (mode is KeyMode.LIVE)


@pytest.mark.parametrize(
    "key",
    ["", "sk_test_", "sk_prod_51secret", "pk_test_51secret", "whsec_51secret", "51secretsk_test_"],
)
def test_a_key_that_is_no_secret_key_is_refused_without_being_repeated(key: str) -> None:
    with pytest.raises(ValueError, match="STRIPE_SECRET_KEY") as raised:
        secret_key_mode(key)

    assert "51secret" not in str(raised.value)


def test_a_publishable_key_says_its_mode() -> None:
    assert publishable_key_mode("pk_live_51abc") is KeyMode.LIVE
    with pytest.raises(ValueError, match="STRIPE_PUBLISHABLE_KEY"):
        publishable_key_mode("sk_test_51abc")


@pytest.mark.parametrize(
    ("secret_key", "publishable_key"),
    [("sk_test_51abc", "pk_live_51abc"), ("sk_live_51abc", "pk_test_51abc")],
)
def test_keys_of_two_modes_are_refused(secret_key: str, publishable_key: str) -> None:
    with pytest.raises(ValueError, match="mode") as raised:
        gateway_on(ScriptedStripe(), secret_key=secret_key, publishable_key=publishable_key)

    assert secret_key not in str(raised.value)


def test_a_gateway_knows_its_mode() -> None:
    live = gateway(KeyMode.LIVE)

    assert live.mode is KeyMode.LIVE
    assert live.publishable_key == LIVE_PUBLISHABLE_KEY
    assert repr(live) == "StripeGateway(mode=live)"
