"""Stripe webhook events typed into the application's ``GatewayEvent``s.

Only the types storepay acts on are read (the table at the bottom); every other authentic event is
an ``IgnoredEvent``, stored and acknowledged. Refunds are read from ``refund.*`` events, which
carry each refund whole; ``charge.refunded`` says the same in a charge's terms and is ignored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TypedDict

from adapters.stripe.objects import (
    Fields,
    Malformed,
    account_snapshot,
    dispute_observation,
    intent_observation,
    refund_observation,
    saved_card,
)
from application.gateway import (
    AccountDeauthorizedEvent,
    AccountUpdatedEvent,
    DisputeEvent,
    GatewayEvent,
    IgnoredEvent,
    InvalidEvent,
    PaymentIntentEvent,
    PaymentMethodEvent,
    PayoutEvent,
    RefundEvent,
)


def envelope(payload: bytes) -> Fields:
    """The event a webhook body holds, not yet typed; ``InvalidEvent`` if it holds none."""
    try:
        document = json.loads(payload)
    except ValueError:  # UnicodeDecodeError included, and an integer of too many digits
        raise InvalidEvent("the webhook body is not JSON") from None
    except RecursionError:
        raise InvalidEvent("the webhook body is nested too deeply") from None
    try:
        event = Fields(document, "event")
    except Malformed as error:
        raise InvalidEvent(str(error)) from None
    if event.get("object") != "event":
        raise InvalidEvent("the webhook body is not an event")
    return event


def type_event(event: Fields) -> GatewayEvent:
    try:
        header = _header(event)
        obj = event.child("data").child("object")
        reader = _READERS.get(header["type"])
        return IgnoredEvent(**header) if reader is None else reader(header, obj)
    except (ValueError, OverflowError, OSError) as error:  # Malformed, or a date out of range
        raise InvalidEvent(str(error)) from None


def ignored_event(event: Fields) -> GatewayEvent:
    """An authentic event storepay keeps and acknowledges without acting on it."""
    try:
        return IgnoredEvent(**_header(event))
    except (ValueError, OverflowError, OSError) as error:
        raise InvalidEvent(str(error)) from None


def _header(event: Fields) -> _Header:
    return _Header(
        event_id=event.text("id"),
        type=event.text("type"),
        created_at=event.timestamp("created"),
        account_id=event.optional_text("account"),
    )


class _Header(TypedDict):
    event_id: str
    type: str
    created_at: datetime
    account_id: str | None


def _payment_intent(header: _Header, intent: Fields) -> GatewayEvent:
    return PaymentIntentEvent(
        **header,
        payment_intent_id=intent.text("id"),
        observation=intent_observation(
            intent,
            header["created_at"],
            attempt_failed=header["type"] == "payment_intent.payment_failed",
        ),
    )


def _refund(header: _Header, refund: Fields) -> GatewayEvent:
    intent_id, charge_id = _payment_named(refund, "a refund")
    return RefundEvent(
        **header,
        payment_intent_id=intent_id,
        charge_id=charge_id,
        observation=refund_observation(refund, header["created_at"]),
    )


def _dispute(header: _Header, dispute: Fields) -> GatewayEvent:
    intent_id, charge_id = _payment_named(dispute, "a dispute")
    return DisputeEvent(
        **header,
        payment_intent_id=intent_id,
        charge_id=charge_id,
        observation=dispute_observation(dispute, header["created_at"]),
    )


def _payment_named(obj: Fields, what: str) -> tuple[str | None, str | None]:
    """The payment intent and the charge an object names: Stripe's older objects (and some of
    its events) name the charge alone, which is enough to find the payment."""
    intent_id, charge_id = obj.reference("payment_intent"), obj.reference("charge")
    if intent_id is None and charge_id is None:
        raise Malformed(f"{what} names neither a payment intent nor a charge")
    return intent_id, charge_id


def _account_updated(header: _Header, account: Fields) -> GatewayEvent:
    # On the Connect endpoint the event names the account; on the platform's it is the object.
    described = header.copy()
    described["account_id"] = header["account_id"] or account.text("id")
    return AccountUpdatedEvent(
        **described, snapshot=account_snapshot(account, header["created_at"])
    )


def _account_deauthorized(header: _Header, _application: Fields) -> GatewayEvent:
    if header["account_id"] is None:
        raise Malformed("a deauthorization names no account")
    return AccountDeauthorizedEvent(**header)


def _payout(header: _Header, payout: Fields) -> GatewayEvent:
    return PayoutEvent(
        **header,
        payout_id=payout.text("id"),
        amount=payout.money(),
        status=payout.text("status", longest=32),
        failure_code=payout.optional_text("failure_code"),
    )


def _payment_method(header: _Header, method: Fields) -> GatewayEvent:
    attached = header["type"] == "payment_method.attached"
    customer_id = method.reference("customer")
    if attached and customer_id is None:
        raise Malformed("an attached payment method names no customer")
    return PaymentMethodEvent(
        **header,
        card=saved_card(method, customer_id) if attached and customer_id is not None else None,
        payment_method_id=method.text("id"),
        attached=attached,
    )


_READERS: dict[str, Callable[[_Header, Fields], GatewayEvent]] = {
    "payment_intent.succeeded": _payment_intent,
    "payment_intent.payment_failed": _payment_intent,
    "payment_intent.processing": _payment_intent,
    "payment_intent.requires_action": _payment_intent,
    "payment_intent.canceled": _payment_intent,
    "refund.created": _refund,
    "refund.updated": _refund,
    "refund.failed": _refund,
    "charge.dispute.created": _dispute,
    "charge.dispute.updated": _dispute,
    "charge.dispute.closed": _dispute,
    "account.updated": _account_updated,
    "account.application.deauthorized": _account_deauthorized,
    "payout.paid": _payout,
    "payout.failed": _payout,
    "payment_method.attached": _payment_method,
    "payment_method.detached": _payment_method,
}

ACTED_ON = frozenset(_READERS)
"""The event types storepay acts on: the ones to subscribe the webhook endpoints to."""
