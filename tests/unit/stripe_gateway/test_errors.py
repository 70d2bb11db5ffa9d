"""Stripe's errors become the port's: unavailable when asking again later may work, refused
otherwise; the card's codes are kept, the API key never is, and no stripe type gets out."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from adapters.stripe.errors import gateway_error, redacted
from application.gateway import GatewayError, GatewayUnavailable

from .scripted import SECRET_KEY, ScriptedStripe, error, gateway_on

pytestmark = pytest.mark.anyio

SAID = f"Something about {SECRET_KEY} and rk_live_51OtherKeyAbc"


def card_error() -> stripe.CardError:
    body = {
        "error": {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": "insufficient_funds",
            "message": f"Your card has insufficient funds. {SAID}",
        }
    }
    return stripe.CardError(  # type: ignore[no-untyped-call]
        body["error"]["message"], "payment_method", "card_declined", None, 402, body
    )


ERRORS: list[tuple[str, Any, type[GatewayError], str]] = [
    ("card", card_error(), GatewayError, "insufficient_funds"),
    (
        "connection",
        stripe.APIConnectionError(SAID, should_retry=True),  # type: ignore[no-untyped-call]
        GatewayUnavailable,
        "could not be reached",
    ),
    (
        "timeout",
        stripe.APIConnectionError(  # type: ignore[no-untyped-call]
            f"(Network error: A ReadTimeout was raised) {SAID}"
        ),
        GatewayUnavailable,
        "ReadTimeout",
    ),
    ("rate-limit", stripe.RateLimitError(SAID, http_status=429), GatewayUnavailable, "rate"),
    ("server", stripe.APIError(SAID, http_status=500), GatewayUnavailable, "HTTP 500"),
    ("conflict", stripe.APIError(SAID, http_status=409), GatewayUnavailable, "HTTP 409"),
    (
        "invalid-request",
        stripe.InvalidRequestError(SAID, "amount", code="amount_too_large", http_status=400),  # type: ignore[no-untyped-call]
        GatewayError,
        "amount_too_large",
    ),
    ("idempotency", stripe.IdempotencyError(SAID, http_status=400), GatewayError, "idempotency"),
    ("authentication", stripe.AuthenticationError(SAID, http_status=401), GatewayError, "API key"),
    ("permission", stripe.PermissionError(SAID, http_status=403), GatewayError, "permit"),
    ("other", stripe.StripeError(SAID), GatewayError, "refused"),
]


@pytest.mark.parametrize(
    ("stripe_error", "kind", "mentions"),
    [(e, k, m) for _, e, k, m in ERRORS],
    ids=[name for name, *_ in ERRORS],
)
def test_each_stripe_error_becomes_the_ports(
    stripe_error: stripe.StripeError, kind: type[GatewayError], mentions: str
) -> None:
    translated = gateway_error(stripe_error, SECRET_KEY)

    assert type(translated) is kind
    assert mentions in translated.message
    assert SECRET_KEY not in translated.message
    assert "rk_live_51OtherKeyAbc" not in translated.message
    assert "[redacted]" in translated.message


def test_a_card_error_carries_its_code_and_decline_code() -> None:
    translated = gateway_error(card_error(), SECRET_KEY)

    assert "card_declined" in translated.message
    assert "insufficient_funds" in translated.message


def test_redaction_takes_out_the_key_and_anything_shaped_like_one() -> None:
    text = f"{SECRET_KEY} sk_live_abc123 rk_test_xyz sk_test_****4242 pk_test_public"

    assert redacted(text, SECRET_KEY) == (
        "[redacted] sk_live_[redacted] rk_test_[redacted] sk_test_[redacted] pk_test_public"
    )


async def test_a_declined_card_from_stripe_is_a_refusal_with_its_codes() -> None:
    transport = ScriptedStripe(
        error(
            402,
            type="card_error",
            code="card_declined",
            decline_code="do_not_honor",
            message="Your card was declined.",
        )
    )

    with pytest.raises(GatewayError) as raised:
        await gateway_on(transport).retrieve_payment_intent("pi_1")

    assert not isinstance(raised.value, GatewayUnavailable)
    assert "card_declined" in raised.value.message
    assert "do_not_honor" in raised.value.message
    assert "req_unit" in raised.value.message
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__ is True


async def test_a_refused_key_is_never_repeated() -> None:
    echoed = f"Invalid API Key provided: {SECRET_KEY}"
    transport = ScriptedStripe(error(401, type="invalid_request_error", message=echoed))

    with pytest.raises(GatewayError) as raised:
        await gateway_on(transport).retrieve_account("acct_1")

    assert SECRET_KEY not in str(raised.value)
    assert SECRET_KEY not in repr(raised.value)
    assert "Invalid API Key provided" in raised.value.message


@pytest.mark.parametrize(
    "answer",
    [
        {"object": "payment_intent", "id": "pi_1"},
        {"object": "charge", "id": "ch_1"},
        {
            "object": "payment_intent",
            "id": "pi_1",
            "status": "exploded",
            "amount": 1,
            "currency": "eur",
            "client_secret": "pi_1_secret_x",
        },
        [],
    ],
    ids=["no-status", "another-object", "unknown-status", "not-an-object"],
)
async def test_an_answer_storepay_cannot_read_is_a_refusal(answer: object) -> None:
    transport = ScriptedStripe((200, answer))

    with pytest.raises(GatewayError, match="cannot read") as raised:
        await gateway_on(transport).retrieve_payment_intent("pi_1")

    assert not isinstance(raised.value, GatewayUnavailable)


async def test_a_server_error_after_every_retry_is_unavailable() -> None:
    failure = error(500, type="api_error", message="Sorry.")
    transport = ScriptedStripe(failure, failure, failure)

    with pytest.raises(GatewayUnavailable, match="HTTP 500"):
        await gateway_on(transport).retrieve_refund("re_1")

    assert len(transport.asked) == 3


async def test_a_gateway_does_not_show_its_key() -> None:
    gateway = gateway_on(ScriptedStripe())

    assert SECRET_KEY not in repr(gateway)
    assert SECRET_KEY not in str(vars(type(gateway)))
