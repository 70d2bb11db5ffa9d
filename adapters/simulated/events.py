"""Stripe webhook events as storepay reads them: the JSON envelope typed into ``GatewayEvent``s.

Refunds are read from ``refund.*`` events, which carry each refund whole; ``charge.refunded``
repeats what they say in a charge's terms, so it is stored and not acted on (``IgnoredEvent``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypedDict

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
    SavedCard,
)
from domain.account import AccountSnapshot
from domain.dispute import DisputeObservation, DisputeStatus
from domain.errors import DomainError
from domain.money import Money
from domain.payment import IntentObservation, IntentState
from domain.refund import RefundObservation, RefundReason, RefundStatus
from domain.text import LONGEST, is_clean

REFUND_ID_METADATA_KEY = "storepay_refund_id"

# The largest integer a JSON number carries exactly everywhere (and a BIGINT column holds).
MAX_INTEGER = 2**53 - 1
# Unix times storepay reads: after 1970, before the year 10000 (datetime's own limit).
MAX_TIMESTAMP = 253_402_300_799

DISPUTE_STATUSES = {
    "warning_needs_response": DisputeStatus.OPEN,
    "warning_under_review": DisputeStatus.OPEN,
    "needs_response": DisputeStatus.OPEN,
    "under_review": DisputeStatus.OPEN,
    "warning_closed": DisputeStatus.WON,
    "won": DisputeStatus.WON,
    "prevented": DisputeStatus.WON,
    "lost": DisputeStatus.LOST,
}


class _Object:
    """A JSON object whose members are read with their expected types."""

    def __init__(self, value: object, where: str) -> None:
        if not isinstance(value, Mapping):
            raise InvalidEvent(f"{where} is not an object")
        self._value: Mapping[str, Any] = value
        self._where = where

    def get(self, key: str) -> object:
        return self._value.get(key)

    def text(self, key: str, *, longest: int = LONGEST) -> str:
        """An id, a code or a name: a non-empty string without control characters, of at most
        ``longest`` characters."""
        value = self._value.get(key)
        if not isinstance(value, str) or not value:
            raise InvalidEvent(f"{self._where}.{key} is not a string")
        if not is_clean(value):
            raise InvalidEvent(f"{self._where}.{key} holds a control character")
        if len(value) > longest:
            raise InvalidEvent(f"{self._where}.{key} is longer than {longest} characters")
        return value

    def optional_text(self, key: str, *, longest: int = LONGEST) -> str | None:
        return None if self._value.get(key) is None else self.text(key, longest=longest)

    def integer(self, key: str, *, minimum: int = 0, maximum: int = MAX_INTEGER) -> int:
        value = self._value.get(key)
        if type(value) is not int:  # not a boolean, not a float
            raise InvalidEvent(f"{self._where}.{key} is not an integer")
        if not minimum <= value <= maximum:
            raise InvalidEvent(f"{self._where}.{key} is not between {minimum} and {maximum}")
        return value

    def timestamp(self, key: str) -> datetime:
        """A Unix time in seconds, as Stripe dates everything."""
        return datetime.fromtimestamp(self.integer(key, minimum=1, maximum=MAX_TIMESTAMP), UTC)

    def flag(self, key: str) -> bool:
        value = self._value.get(key)
        if not isinstance(value, bool):
            raise InvalidEvent(f"{self._where}.{key} is not a boolean")
        return value

    def child(self, key: str) -> _Object:
        return _Object(self._value.get(key), f"{self._where}.{key}")

    def optional_child(self, key: str) -> _Object | None:
        return None if self._value.get(key) is None else self.child(key)

    def texts(self, key: str) -> tuple[str, ...]:
        value = self._value.get(key) or []
        if not isinstance(value, list) or not all(
            isinstance(item, str) and is_clean(item) for item in value
        ):
            raise InvalidEvent(f"{self._where}.{key} is not a list of strings")
        return tuple(value)

    def money(self) -> Money:
        try:
            return Money.of(self.integer("amount"), self.text("currency"))
        except DomainError as error:
            raise InvalidEvent(f"{self._where} has no valid amount: {error.message}") from None


def decode(payload: bytes) -> GatewayEvent:
    """Type a verified webhook body; raise ``InvalidEvent`` if it is not a Stripe event."""
    try:
        document = json.loads(payload)
    except ValueError:  # UnicodeDecodeError included, and an integer of too many digits
        raise InvalidEvent("the webhook body is not JSON") from None
    except RecursionError:
        raise InvalidEvent("the webhook body is nested too deeply") from None
    return type_event(document)


def type_event(document: object) -> GatewayEvent:
    event = _Object(document, "event")
    if event.get("object") != "event":
        raise InvalidEvent("the webhook body is not an event")
    event_type = event.text("type")
    header = _Header(
        event_id=event.text("id"),
        type=event_type,
        created_at=event.timestamp("created"),
        account_id=event.optional_text("account"),
    )
    obj = event.child("data").child("object")
    reader = _READERS.get(event_type)
    if reader is None:
        return IgnoredEvent(**header)
    return reader(header, obj)


class _Header(TypedDict):
    event_id: str
    type: str
    created_at: datetime
    account_id: str | None


def _payment_intent(header: _Header, intent: _Object) -> GatewayEvent:
    failed = header["type"] == "payment_intent.payment_failed"
    try:
        state = IntentState.from_gateway_status(intent.text("status"), attempt_failed=failed)
    except ValueError as unknown:
        raise InvalidEvent(str(unknown)) from None
    error = intent.optional_child("last_payment_error")
    return PaymentIntentEvent(
        **header,
        payment_intent_id=intent.text("id"),
        observation=IntentObservation(
            state=state,
            observed_at=header["created_at"],
            charge_id=intent.optional_text("latest_charge"),
            failure_reason=(
                attempt_failure_reason(
                    error.optional_text("code"), error.optional_text("decline_code")
                )
                if error is not None and state is IntentState.FAILED
                else None
            ),
        ),
    )


def attempt_failure_reason(code: str | None, decline_code: str | None) -> str | None:
    """The most telling code of a failed attempt: a generic decline says no more than its code."""
    if decline_code is not None and decline_code != "generic_decline":
        return decline_code
    return code or decline_code


def _refund(header: _Header, refund: _Object) -> GatewayEvent:
    try:
        status = RefundStatus(refund.text("status"))
    except ValueError:
        raise InvalidEvent(f"unknown refund status {refund.get('status')!r}") from None
    metadata = refund.optional_child("metadata")
    reason = refund.optional_text("reason")
    return RefundEvent(
        **header,
        payment_intent_id=refund.text("payment_intent"),
        observation=RefundObservation(
            gateway_refund_id=refund.text("id"),
            amount=refund.money(),
            status=status,
            observed_at=header["created_at"],
            refund_id=None if metadata is None else metadata.optional_text(REFUND_ID_METADATA_KEY),
            failure_reason=refund.optional_text("failure_reason"),
            reason=refund_reason(reason),
        ),
    )


def refund_reason(reason: str | None) -> RefundReason | None:
    try:
        return None if reason is None else RefundReason(reason)
    except ValueError:
        return None


def _dispute(header: _Header, dispute: _Object) -> GatewayEvent:
    status = DISPUTE_STATUSES.get(dispute.text("status"))
    if status is None:
        raise InvalidEvent(f"unknown dispute status {dispute.get('status')!r}")
    return DisputeEvent(
        **header,
        payment_intent_id=dispute.text("payment_intent"),
        observation=DisputeObservation(
            dispute_id=dispute.text("id"),
            amount=dispute.money(),
            status=status,
            observed_at=header["created_at"],
            reason=dispute.optional_text("reason"),
        ),
    )


def _account_updated(header: _Header, account: _Object) -> GatewayEvent:
    requirements = account.optional_child("requirements")
    envelope = header.copy()
    envelope["account_id"] = header["account_id"] or account.text("id")
    return AccountUpdatedEvent(
        **envelope,
        snapshot=AccountSnapshot(
            charges_enabled=account.flag("charges_enabled"),
            payouts_enabled=account.flag("payouts_enabled"),
            details_submitted=account.flag("details_submitted"),
            observed_at=header["created_at"],
            currently_due=() if requirements is None else requirements.texts("currently_due"),
            past_due=() if requirements is None else requirements.texts("past_due"),
            disabled_reason=(
                None if requirements is None else requirements.optional_text("disabled_reason")
            ),
        ),
    )


def _account_deauthorized(header: _Header, _application: _Object) -> GatewayEvent:
    if header["account_id"] is None:
        raise InvalidEvent("a deauthorization names no account")
    return AccountDeauthorizedEvent(**header)


def _payout(header: _Header, payout: _Object) -> GatewayEvent:
    return PayoutEvent(
        **header,
        payout_id=payout.text("id"),
        amount=payout.money(),
        status=payout.text("status", longest=32),
        failure_code=payout.optional_text("failure_code"),
    )


def _payment_method(header: _Header, method: _Object) -> GatewayEvent:
    attached = header["type"] == "payment_method.attached"
    customer = method.optional_text("customer")
    card = method.optional_child("card")
    saved: SavedCard | None = None
    if attached:
        if customer is None:
            raise InvalidEvent("an attached payment method names no customer")
        saved = SavedCard(
            payment_method_id=method.text("id"),
            customer_id=customer,
            type=method.text("type", longest=64),
            card_brand=None if card is None else card.optional_text("brand", longest=32),
            card_last4=None if card is None else card.optional_text("last4", longest=4),
            card_exp_month=(
                None if card is None else card.integer("exp_month", minimum=1, maximum=12)
            ),
            card_exp_year=(
                None if card is None else card.integer("exp_year", minimum=1, maximum=9999)
            ),
        )
    return PaymentMethodEvent(
        **header, card=saved, payment_method_id=method.text("id"), attached=attached
    )


_READERS: dict[str, Callable[[_Header, _Object], GatewayEvent]] = {
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
