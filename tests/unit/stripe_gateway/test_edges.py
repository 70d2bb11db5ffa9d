"""The edges of the Stripe adapter that the gateway contract does not reach: odd signatures,
objects missing what storepay needs, keys too long for Stripe, and a clock without a zone."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import stripe

from adapters.stripe import idempotency
from adapters.stripe.errors import redacted
from application.gateway import InvalidEvent

from .scripted import WEBHOOK_SECRET, ScriptedStripe, gateway_on

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def signed(event: dict[str, object], timestamp: int = int(NOW.timestamp())) -> tuple[bytes, str]:
    payload = json.dumps(event).encode()
    header = stripe.WebhookSignature.generate_signature_header(
        payload.decode(), WEBHOOK_SECRET, timestamp=timestamp
    )
    return payload, str(header)


def event(event_type: str, obj: dict[str, object]) -> dict[str, object]:
    return {
        "id": "evt_1",
        "object": "event",
        "created": int(NOW.timestamp()),
        "livemode": False,
        "type": event_type,
        "data": {"object": obj},
    }


REFUND = {"id": "re_1", "object": "refund", "amount": 100, "currency": "eur", "status": "pending"}
DISPUTE = {"id": "dp_1", "object": "dispute", "amount": 100, "currency": "eur", "status": "lost"}


@pytest.mark.parametrize(
    "body",
    [
        event("refund.updated", REFUND),
        event("charge.dispute.closed", DISPUTE),
        event("refund.created", REFUND | {"payment_intent": 42}),
        event("charge.dispute.created", DISPUTE | {"payment_intent": {"object": "payment_intent"}}),
        event("customer.created", {"id": "cus_1"}) | {"created": 10**20},
    ],
    ids=[
        "refund-naming-no-intent-nor-charge",
        "dispute-naming-no-intent-nor-charge",
        "intent-not-an-id",
        "expanded-intent-without-id",
        "created-out-of-range",
    ],
)
def test_an_event_missing_what_storepay_needs_is_refused(body: dict[str, object]) -> None:
    payload, header = signed(body)

    with pytest.raises(InvalidEvent):
        gateway_on(ScriptedStripe(), clock=lambda: NOW).parse_event(payload, header, connect=False)


@pytest.mark.parametrize(
    ("event_type", "obj"),
    [
        ("refund.created", REFUND | {"charge": "ch_1"}),
        ("charge.dispute.created", DISPUTE | {"charge": "ch_1"}),
    ],
    ids=["refund", "dispute"],
)
def test_an_object_naming_its_charge_and_no_intent_is_read_with_its_charge(
    event_type: str, obj: dict[str, object]
) -> None:
    payload, header = signed(event(event_type, obj))

    typed = gateway_on(ScriptedStripe(), clock=lambda: NOW).parse_event(
        payload, header, connect=False
    )

    assert getattr(typed, "payment_intent_id", "missing") is None
    assert getattr(typed, "charge_id", None) == obj["charge"]


def test_an_expanded_payment_intent_is_read_by_its_id() -> None:
    body = event("refund.created", REFUND | {"payment_intent": {"id": "pi_1", "object": "x"}})
    payload, header = signed(body)

    typed = gateway_on(ScriptedStripe(), clock=lambda: NOW).parse_event(
        payload, header, connect=False
    )

    assert getattr(typed, "payment_intent_id", None) == "pi_1"


def test_a_signature_with_an_impossible_time_is_refused() -> None:
    payload, header = signed(event("customer.created", {"id": "cus_1"}), timestamp=10**20)

    with pytest.raises(InvalidEvent, match="timestamp"):
        gateway_on(ScriptedStripe(), clock=lambda: NOW).parse_event(payload, header, connect=False)


def test_a_clock_without_a_time_zone_is_refused() -> None:
    payload, header = signed(event("customer.created", {"id": "cus_1"}))
    gateway = gateway_on(ScriptedStripe(), clock=lambda: datetime(2026, 11, 2, 9, 0))  # noqa: DTZ001

    with pytest.raises(ValueError, match="timezone"):
        gateway.parse_event(payload, header, connect=False)


def test_a_webhook_secret_is_required() -> None:
    with pytest.raises(ValueError, match="STRIPE_WEBHOOK_SECRET"):
        gateway_on(ScriptedStripe(), webhook_secret="")


def test_a_key_too_long_for_stripe_is_shortened_by_its_hash() -> None:
    long_key = "storepay:order:" + "x" * 300

    shortened = idempotency.checked(long_key)

    assert len(shortened) <= idempotency.MAX_LENGTH
    assert shortened == idempotency.checked(long_key)
    assert shortened != idempotency.checked(long_key + "y")
    assert idempotency.checked("storepay:order:1") == "storepay:order:1"


def test_a_nonce_keeps_keys_of_repeatable_operations_apart() -> None:
    assert idempotency.payout_schedule("acct_1") != idempotency.payout_schedule("acct_1")
    assert idempotency.cancel_intent("pi_1") == idempotency.cancel_intent("pi_1")
    assert idempotency.new_customer("s1", "a@example.com") == idempotency.new_customer(
        "s1", "a@example.com"
    )
    assert idempotency.new_customer("s1", "a@example.com") != idempotency.new_customer(
        "s2", "a@example.com"
    )


def test_redaction_without_a_key_still_takes_out_key_shapes() -> None:
    assert redacted("sk_test_abc", "") == "sk_test_[redacted]"
