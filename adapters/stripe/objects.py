"""Stripe's JSON objects read into the core's values.

API answers and the objects webhook events carry have the same shape, so both are read here: a
``PaymentIntent`` gives an ``IntentObservation`` whether it came back from ``retrieve`` or inside
``payment_intent.succeeded``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from application.gateway import SavedCard
from domain.account import AccountSnapshot
from domain.dispute import DisputeObservation, DisputeStatus
from domain.errors import DomainError
from domain.money import Money
from domain.payment import IntentObservation, IntentState
from domain.refund import RefundObservation, RefundReason, RefundStatus
from domain.text import LONGEST, is_clean, is_clean_free_text

REFUND_ID_METADATA_KEY = "storepay_refund_id"
STORE_ID_METADATA_KEY = "storepay_store_id"

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


class Malformed(ValueError):
    """A Stripe object lacks a member storepay needs, or holds one of another type."""


class Fields:
    """A JSON object whose members are read with the types storepay expects of them."""

    def __init__(self, value: object, where: str) -> None:
        if not isinstance(value, Mapping):
            raise Malformed(f"{where} is not an object")
        self._value: Mapping[str, Any] = value
        self.where = where

    def get(self, key: str) -> object:
        return self._value.get(key)

    def names(self) -> list[str]:
        names = list(self._value)
        for name in names:
            if not isinstance(name, str) or not is_clean(name):
                raise Malformed(f"{self.where} has a member named with a control character")
        return names

    def text(self, key: str, *, longest: int = LONGEST) -> str:
        """An id, a code or a name: a non-empty string without control characters, of at most
        ``longest`` characters."""
        value = self.free_text(key)
        if not is_clean(value):
            raise Malformed(f"{self.where}.{key} holds a control character")
        if len(value) > longest:
            raise Malformed(f"{self.where}.{key} is longer than {longest} characters")
        return value

    def free_text(self, key: str) -> str:
        """A non-empty string that may break lines (a store's metadata)."""
        value = self._value.get(key)
        if not isinstance(value, str) or not value:
            raise Malformed(f"{self.where}.{key} is not a string")
        if not is_clean_free_text(value):
            raise Malformed(f"{self.where}.{key} holds a control character")
        return value

    def optional_text(self, key: str, *, longest: int = LONGEST) -> str | None:
        return None if self._value.get(key) is None else self.text(key, longest=longest)

    def integer(self, key: str, *, minimum: int = 0, maximum: int = MAX_INTEGER) -> int:
        value = self._value.get(key)
        if type(value) is not int:  # not a boolean, not a float
            raise Malformed(f"{self.where}.{key} is not an integer")
        if not minimum <= value <= maximum:
            raise Malformed(f"{self.where}.{key} is not between {minimum} and {maximum}")
        return value

    def optional_integer(
        self, key: str, *, minimum: int = 0, maximum: int = MAX_INTEGER
    ) -> int | None:
        if self._value.get(key) is None:
            return None
        return self.integer(key, minimum=minimum, maximum=maximum)

    def timestamp(self, key: str) -> datetime:
        """A Unix time in seconds, as Stripe dates everything."""
        return datetime.fromtimestamp(self.integer(key, minimum=1, maximum=MAX_TIMESTAMP), UTC)

    def flag(self, key: str) -> bool:
        value = self._value.get(key)
        if not isinstance(value, bool):
            raise Malformed(f"{self.where}.{key} is not a boolean")
        return value

    def child(self, key: str) -> Fields:
        return Fields(self._value.get(key), f"{self.where}.{key}")

    def optional_child(self, key: str) -> Fields | None:
        return None if self._value.get(key) is None else self.child(key)

    def texts(self, key: str) -> tuple[str, ...]:
        value = self._value.get(key) or []
        if not isinstance(value, list) or not all(
            isinstance(item, str) and is_clean(item) for item in value
        ):
            raise Malformed(f"{self.where}.{key} is not a list of strings")
        return tuple(value)

    def reference(self, key: str) -> str | None:
        """The id of an expandable member: its id as sent, or the id of the expanded object."""
        value = self._value.get(key)
        if value is None or isinstance(value, str):
            return None if value is None else self.text(key)
        return self.child(key).text("id")

    def money(self, key: str = "amount") -> Money:
        try:
            return Money.of(self.integer(key), self.text("currency"))
        except DomainError as error:
            raise Malformed(f"{self.where} has no valid {key}: {error.message}") from None


def intent_observation(
    intent: Fields, observed_at: datetime, *, attempt_failed: bool = False
) -> IntentObservation:
    """A PaymentIntent's state; a failed attempt shows as ``last_payment_error`` on an intent
    back in ``requires_payment_method`` (or as a ``payment_intent.payment_failed`` event)."""
    error = intent.optional_child("last_payment_error")
    try:
        state = IntentState.from_gateway_status(
            intent.text("status"), attempt_failed=attempt_failed or error is not None
        )
    except ValueError as unknown:
        raise Malformed(str(unknown)) from None
    return IntentObservation(
        state=state,
        observed_at=observed_at,
        charge_id=intent.reference("latest_charge"),
        failure_reason=(
            attempt_failure_reason(error.optional_text("code"), error.optional_text("decline_code"))
            if error is not None and state is IntentState.FAILED
            else None
        ),
    )


def attempt_failure_reason(code: str | None, decline_code: str | None) -> str | None:
    """The most telling code of a failed attempt: a generic decline says no more than its code."""
    if decline_code is not None and decline_code != "generic_decline":
        return decline_code
    return code or decline_code


def metadata(obj: Fields) -> dict[str, str]:
    members = obj.optional_child("metadata")
    if members is None:
        return {}
    return {key: members.free_text(key) for key in members.names()}


def refund_observation(refund: Fields, observed_at: datetime) -> RefundObservation:
    try:
        status = RefundStatus(refund.text("status"))
    except ValueError:
        raise Malformed(f"unknown refund status {refund.get('status')!r}") from None
    tags = refund.optional_child("metadata")
    return RefundObservation(
        gateway_refund_id=refund.text("id"),
        amount=refund.money(),
        status=status,
        observed_at=observed_at,
        refund_id=None if tags is None else tags.optional_text(REFUND_ID_METADATA_KEY),
        failure_reason=refund.optional_text("failure_reason"),
        reason=refund_reason(refund.optional_text("reason")),
    )


def refund_reason(reason: str | None) -> RefundReason | None:
    """storepay's reasons; one it does not give (``expired_uncaptured_charge``) reads as none."""
    try:
        return None if reason is None else RefundReason(reason)
    except ValueError:
        return None


def dispute_observation(dispute: Fields, observed_at: datetime) -> DisputeObservation:
    status = DISPUTE_STATUSES.get(dispute.text("status"))
    if status is None:
        raise Malformed(f"unknown dispute status {dispute.get('status')!r}")
    return DisputeObservation(
        dispute_id=dispute.text("id"),
        amount=dispute.money(),
        status=status,
        observed_at=observed_at,
        reason=dispute.optional_text("reason"),
    )


def account_snapshot(account: Fields, observed_at: datetime) -> AccountSnapshot:
    requirements = account.optional_child("requirements")
    return AccountSnapshot(
        charges_enabled=account.flag("charges_enabled"),
        payouts_enabled=account.flag("payouts_enabled"),
        details_submitted=account.flag("details_submitted"),
        observed_at=observed_at,
        currently_due=() if requirements is None else requirements.texts("currently_due"),
        past_due=() if requirements is None else requirements.texts("past_due"),
        disabled_reason=(
            None if requirements is None else requirements.optional_text("disabled_reason")
        ),
    )


def saved_card(method: Fields, customer_id: str) -> SavedCard:
    card = method.optional_child("card")
    return SavedCard(
        payment_method_id=method.text("id"),
        customer_id=customer_id,
        type=method.text("type", longest=64),
        card_brand=None if card is None else card.optional_text("brand", longest=32),
        card_last4=None if card is None else card.optional_text("last4", longest=4),
        card_exp_month=(
            None if card is None else card.optional_integer("exp_month", minimum=1, maximum=12)
        ),
        card_exp_year=(
            None if card is None else card.optional_integer("exp_year", minimum=1, maximum=9999)
        ),
    )
