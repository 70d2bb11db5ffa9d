"""Webhook signatures exactly as Stripe makes them: ``t=<unix>,v1=<hmac-sha256 hex>``."""

from __future__ import annotations

from datetime import datetime

import stripe

from application.gateway import InvalidEvent

TOLERANCE_SECONDS = 300


def sign(payload: bytes, secret: str, at: datetime) -> str:
    return str(
        stripe.WebhookSignature.generate_signature_header(
            payload.decode("utf-8"), secret, timestamp=int(at.timestamp())
        )
    )


def verify(
    payload: bytes,
    header: str,
    secret: str,
    now: datetime,
    tolerance_seconds: int = TOLERANCE_SECONDS,
) -> None:
    """Raise ``InvalidEvent`` unless ``header`` signs ``payload`` with ``secret`` recently enough.

    The signature is checked by stripe-python; the age is checked against ``now`` rather than the
    machine's clock, so an injected clock decides what "stale" means.
    """
    try:
        stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=None)
    except stripe.SignatureVerificationError as error:
        raise InvalidEvent(f"the webhook signature does not verify: {error}") from None
    except UnicodeDecodeError:
        raise InvalidEvent("the webhook body is not UTF-8 text") from None
    at = _timestamp(header)
    if at < now.timestamp() - tolerance_seconds:
        raise InvalidEvent(
            f"the webhook signature is older than the tolerance of {tolerance_seconds} s"
        )
    if at > now.timestamp() + tolerance_seconds:  # replayable until then: not a delivery
        raise InvalidEvent(
            f"the webhook signature is dated ahead by more than the tolerance of "
            f"{tolerance_seconds} s"
        )


def _timestamp(header: str) -> int:
    for item in header.split(","):
        key, _, value = item.partition("=")
        if key == "t":
            return int(value.split("=", 1)[0])
    raise InvalidEvent("the webhook signature has no timestamp")  # pragma: no cover
