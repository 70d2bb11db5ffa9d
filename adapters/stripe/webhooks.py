"""Webhook bodies checked the way Stripe signs them, before anything in them is believed.

stripe-python checks the signature (``WebhookSignature.verify_header``); the age of the signature
is checked here against the adapter's clock, which is the machine's clock in service and an
injected one in tests. Then the event must be of the key's mode: a live endpoint can receive
test-mode events (a connected account's test data), and test data must never move live money.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import stripe

from adapters.stripe.api_keys import KeyMode
from adapters.stripe.objects import Fields
from application.gateway import InvalidEvent

TOLERANCE = timedelta(seconds=300)


def verify_signature(
    payload: bytes, header: str, secret: str, now: datetime, tolerance: timedelta = TOLERANCE
) -> None:
    """Raise ``InvalidEvent`` unless ``header`` signs ``payload`` with ``secret``, recently."""
    try:
        stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=None)
    except stripe.SignatureVerificationError as error:
        raise InvalidEvent(f"the webhook signature does not verify: {error.user_message}") from None
    except UnicodeDecodeError:
        raise InvalidEvent("the webhook body is not UTF-8 text") from None
    at = signed_at(header)
    if at < now - tolerance:
        raise InvalidEvent(
            f"the webhook signature is older than the tolerance of "
            f"{int(tolerance.total_seconds())} s"
        )
    # A signature dated ahead would stay replayable until its date had passed: Stripe dates its
    # signatures when it sends them, so one beyond the tolerance ahead is not a delivery.
    if at > now + tolerance:
        raise InvalidEvent(
            f"the webhook signature is dated ahead by more than the tolerance of "
            f"{int(tolerance.total_seconds())} s"
        )


def signed_at(header: str) -> datetime:
    """The time a verified ``Stripe-Signature`` header was made (its ``t=`` part)."""
    for item in header.split(","):
        key, _, value = item.partition("=")
        if key == "t":  # read as stripe-python reads it
            try:
                return datetime.fromtimestamp(int(value.split("=", 1)[0]), UTC)
            except (ValueError, OverflowError, OSError):
                break
    raise InvalidEvent("the webhook signature has no usable timestamp")


def of_mode(event: Fields, mode: KeyMode) -> bool:
    """Whether an authentic event belongs to the key's mode.

    Stripe sends Connect events of test mode to live endpoints too; such an event is authentic, so
    it is acknowledged (a refusal would have Stripe retry it for days) but never acted on.
    """
    livemode = event.get("livemode")
    if not isinstance(livemode, bool):
        raise InvalidEvent("the event does not say whether it is live")
    return livemode is mode.livemode
