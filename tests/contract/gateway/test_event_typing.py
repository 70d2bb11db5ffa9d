"""Every Stripe event storepay acts on, typed: the same body gives the same typed event on every
gateway. The bodies are shaped like Stripe's (API version 2026-10-28.endive), in the envelope
and with the signature the Stripe emulator gives them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.stripe_emulator.delivery import sign
from adapters.stripe_emulator.records import event as stripe_event
from application.gateway import (
    AccountDeauthorizedEvent,
    AccountUpdatedEvent,
    DisputeEvent,
    GatewayEvent,
    IgnoredEvent,
    InvalidEvent,
    PaymentGateway,
    PaymentIntentEvent,
    PaymentMethodEvent,
    PayoutEvent,
    RefundEvent,
    SavedCard,
)
from domain.account import AccountSnapshot
from domain.dispute import DisputeObservation, DisputeStatus
from domain.money import Money
from domain.payment import IntentObservation, IntentState
from domain.refund import RefundObservation, RefundReason, RefundStatus

from .conftest import CONNECT_WEBHOOK_SECRET, WEBHOOK_SECRET, FakeClock

pytestmark = pytest.mark.anyio

CREATED = 1_793_000_000
AT = datetime.fromtimestamp(CREATED, UTC)
ACCOUNT = "acct_1Store0000000000000000"


def envelope(event_type: str, obj: Any, account: str | None = None) -> dict[str, Any]:
    """An event as Stripe (and its emulator) sends it."""
    return stripe_event("evt_1", event_type, obj, AT, account=account)


def typed(gateway: PaymentGateway, clock: FakeClock, event: dict[str, Any]) -> GatewayEvent:
    connect = "account" in event
    payload = json.dumps(event).encode()
    secret = CONNECT_WEBHOOK_SECRET if connect else WEBHOOK_SECRET
    return gateway.parse_event(payload, sign(payload, secret, clock.now()), connect=connect)


def header(event_type: str, account: str | None = None) -> dict[str, Any]:
    return {"event_id": "evt_1", "type": event_type, "created_at": AT, "account_id": account}


def payment_intent(
    status: str, latest_charge: str | None = "ch_1", error: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "id": "pi_1",
        "object": "payment_intent",
        "amount": 10000,
        "amount_received": 10000 if status == "succeeded" else 0,
        "application_fee_amount": 250,
        "client_secret": "pi_1_secret_abc",
        "currency": "eur",
        "customer": "cus_1",
        "last_payment_error": error,
        "latest_charge": latest_charge,
        "livemode": False,
        "metadata": {"order_id": "order_1"},
        "status": status,
        "transfer_data": {"destination": ACCOUNT},
    }


def decline(code: str, decline_code: str | None) -> dict[str, Any]:
    return {
        "code": code,
        "decline_code": decline_code,
        "message": "Your card was declined.",
        "type": "card_error",
    }


def refund(
    status: str,
    *,
    metadata: dict[str, str] | None = None,
    failure_reason: str | None = None,
    reason: str | None = "requested_by_customer",
) -> dict[str, Any]:
    return {
        "id": "re_1",
        "object": "refund",
        "amount": 3000,
        "charge": "ch_1",
        "created": CREATED,
        "currency": "eur",
        "failure_reason": failure_reason,
        "metadata": {"storepay_refund_id": "refund_1"} if metadata is None else metadata,
        "payment_intent": "pi_1",
        "reason": reason,
        "status": status,
    }


def dispute(status: str) -> dict[str, Any]:
    return {
        "id": "dp_1",
        "object": "dispute",
        "amount": 10000,
        "charge": "ch_1",
        "currency": "eur",
        "payment_intent": "pi_1",
        "reason": "fraudulent",
        "status": status,
    }


def account(*, enabled: bool) -> dict[str, Any]:
    due = [] if enabled else ["external_account", "tos_acceptance.date"]
    return {
        "id": ACCOUNT,
        "object": "account",
        "charges_enabled": enabled,
        "payouts_enabled": enabled,
        "details_submitted": enabled,
        "requirements": {
            "currently_due": due,
            "eventually_due": due,
            "past_due": due,
            "disabled_reason": None if enabled else "requirements.past_due",
        },
        "settings": {"payouts": {"schedule": {"interval": "weekly", "weekly_anchor": "friday"}}},
    }


def payout(status: str, failure_code: str | None = None) -> dict[str, Any]:
    return {
        "id": "po_1",
        "object": "payout",
        "amount": 9750,
        "arrival_date": CREATED,
        "currency": "eur",
        "failure_code": failure_code,
        "status": status,
    }


def payment_method(customer: str | None) -> dict[str, Any]:
    return {
        "id": "pm_1",
        "object": "payment_method",
        "card": {"brand": "visa", "exp_month": 12, "exp_year": 2029, "last4": "4242"},
        "customer": customer,
        "type": "card",
    }


def intent_event(event_type: str, observation: IntentObservation) -> PaymentIntentEvent:
    return PaymentIntentEvent(
        **header(event_type), payment_intent_id="pi_1", observation=observation
    )


def refund_event(event_type: str, observation: RefundObservation) -> RefundEvent:
    return RefundEvent(
        **header(event_type), payment_intent_id="pi_1", charge_id="ch_1", observation=observation
    )


def dispute_event(event_type: str, status: DisputeStatus) -> DisputeEvent:
    return DisputeEvent(
        **header(event_type),
        payment_intent_id="pi_1",
        charge_id="ch_1",
        observation=DisputeObservation(
            dispute_id="dp_1",
            amount=Money.of(10000, "EUR"),
            status=status,
            observed_at=AT,
            reason="fraudulent",
        ),
    )


def refund_seen(
    status: RefundStatus,
    *,
    refund_id: str | None = "refund_1",
    failure_reason: str | None = None,
    reason: RefundReason | None = RefundReason.REQUESTED_BY_CUSTOMER,
) -> RefundObservation:
    return RefundObservation(
        gateway_refund_id="re_1",
        amount=Money.of(3000, "EUR"),
        status=status,
        observed_at=AT,
        refund_id=refund_id,
        failure_reason=failure_reason,
        reason=reason,
    )


CASES: list[tuple[str, dict[str, Any], GatewayEvent]] = [
    (
        "succeeded",
        envelope("payment_intent.succeeded", payment_intent("succeeded")),
        intent_event(
            "payment_intent.succeeded", IntentObservation(IntentState.SUCCEEDED, AT, "ch_1")
        ),
    ),
    (
        "generic-decline",
        envelope(
            "payment_intent.payment_failed",
            payment_intent(
                "requires_payment_method", error=decline("card_declined", "generic_decline")
            ),
        ),
        intent_event(
            "payment_intent.payment_failed",
            IntentObservation(IntentState.FAILED, AT, "ch_1", "card_declined"),
        ),
    ),
    (
        "insufficient-funds",
        envelope(
            "payment_intent.payment_failed",
            payment_intent(
                "requires_payment_method", error=decline("card_declined", "insufficient_funds")
            ),
        ),
        intent_event(
            "payment_intent.payment_failed",
            IntentObservation(IntentState.FAILED, AT, "ch_1", "insufficient_funds"),
        ),
    ),
    (
        "authentication-failure",
        envelope(
            "payment_intent.payment_failed",
            payment_intent(
                "requires_payment_method",
                latest_charge=None,
                error=decline("payment_intent_authentication_failure", None),
            ),
        ),
        intent_event(
            "payment_intent.payment_failed",
            IntentObservation(
                IntentState.FAILED, AT, None, "payment_intent_authentication_failure"
            ),
        ),
    ),
    (
        "processing",
        envelope("payment_intent.processing", payment_intent("processing", latest_charge=None)),
        intent_event("payment_intent.processing", IntentObservation(IntentState.PROCESSING, AT)),
    ),
    (
        "requires-action",
        envelope(
            "payment_intent.requires_action", payment_intent("requires_action", latest_charge=None)
        ),
        intent_event(
            "payment_intent.requires_action", IntentObservation(IntentState.REQUIRES_ACTION, AT)
        ),
    ),
    (
        "canceled",
        envelope(
            "payment_intent.canceled",
            payment_intent("canceled", error=decline("card_declined", "generic_decline")),
        ),
        intent_event(
            "payment_intent.canceled", IntentObservation(IntentState.CANCELED, AT, "ch_1")
        ),
    ),
    (
        "refund-created",
        envelope("refund.created", refund("succeeded")),
        refund_event("refund.created", refund_seen(RefundStatus.SUCCEEDED)),
    ),
    (
        "refund-updated-pending",
        envelope("refund.updated", refund("pending", reason=None)),
        refund_event("refund.updated", refund_seen(RefundStatus.PENDING, reason=None)),
    ),
    (
        "refund-failed",
        envelope("refund.failed", refund("failed", failure_reason="expired_or_canceled_card")),
        refund_event(
            "refund.failed",
            refund_seen(RefundStatus.FAILED, failure_reason="expired_or_canceled_card"),
        ),
    ),
    (
        "refund-from-the-dashboard",
        envelope("refund.created", refund("succeeded", metadata={}, reason="duplicate")),
        refund_event(
            "refund.created",
            refund_seen(RefundStatus.SUCCEEDED, refund_id=None, reason=RefundReason.DUPLICATE),
        ),
    ),
    (
        "refund-for-a-reason-storepay-does-not-give",
        envelope("refund.created", refund("succeeded", reason="expired_uncaptured_charge")),
        refund_event("refund.created", refund_seen(RefundStatus.SUCCEEDED, reason=None)),
    ),
    (
        "charge-refunded",
        envelope("charge.refunded", {"id": "ch_1", "object": "charge", "amount_refunded": 3000}),
        IgnoredEvent(**header("charge.refunded")),
    ),
    (
        "dispute-created",
        envelope("charge.dispute.created", dispute("needs_response")),
        dispute_event("charge.dispute.created", DisputeStatus.OPEN),
    ),
    (
        "dispute-under-review",
        envelope("charge.dispute.updated", dispute("under_review")),
        dispute_event("charge.dispute.updated", DisputeStatus.OPEN),
    ),
    (
        "inquiry-opened",
        envelope("charge.dispute.created", dispute("warning_needs_response")),
        dispute_event("charge.dispute.created", DisputeStatus.OPEN),
    ),
    (
        "inquiry-under-review",
        envelope("charge.dispute.updated", dispute("warning_under_review")),
        dispute_event("charge.dispute.updated", DisputeStatus.OPEN),
    ),
    (
        "inquiry-closed",
        envelope("charge.dispute.closed", dispute("warning_closed")),
        dispute_event("charge.dispute.closed", DisputeStatus.WON),
    ),
    (
        "dispute-won",
        envelope("charge.dispute.closed", dispute("won")),
        dispute_event("charge.dispute.closed", DisputeStatus.WON),
    ),
    (
        "dispute-lost",
        envelope("charge.dispute.closed", dispute("lost")),
        dispute_event("charge.dispute.closed", DisputeStatus.LOST),
    ),
    (
        "account-onboarded",
        envelope("account.updated", account(enabled=True), ACCOUNT),
        AccountUpdatedEvent(
            **header("account.updated", ACCOUNT),
            snapshot=AccountSnapshot(
                charges_enabled=True, payouts_enabled=True, details_submitted=True, observed_at=AT
            ),
        ),
    ),
    (
        "account-pending",
        envelope("account.updated", account(enabled=False), ACCOUNT),
        AccountUpdatedEvent(
            **header("account.updated", ACCOUNT),
            snapshot=AccountSnapshot(
                charges_enabled=False,
                payouts_enabled=False,
                details_submitted=False,
                observed_at=AT,
                currently_due=("external_account", "tos_acceptance.date"),
                past_due=("external_account", "tos_acceptance.date"),
                disabled_reason="requirements.past_due",
            ),
        ),
    ),
    (
        "account-deauthorized",
        envelope(
            "account.application.deauthorized",
            {"id": "ca_1", "object": "application", "name": "storepay"},
            ACCOUNT,
        ),
        AccountDeauthorizedEvent(**header("account.application.deauthorized", ACCOUNT)),
    ),
    (
        "payout-paid",
        envelope("payout.paid", payout("paid"), ACCOUNT),
        PayoutEvent(
            **header("payout.paid", ACCOUNT),
            payout_id="po_1",
            amount=Money.of(9750, "EUR"),
            status="paid",
        ),
    ),
    (
        "payout-failed",
        envelope("payout.failed", payout("failed", "account_closed"), ACCOUNT),
        PayoutEvent(
            **header("payout.failed", ACCOUNT),
            payout_id="po_1",
            amount=Money.of(9750, "EUR"),
            status="failed",
            failure_code="account_closed",
        ),
    ),
    (
        "card-saved",
        envelope("payment_method.attached", payment_method("cus_1")),
        PaymentMethodEvent(
            **header("payment_method.attached"),
            card=SavedCard(
                payment_method_id="pm_1",
                customer_id="cus_1",
                type="card",
                card_brand="visa",
                card_last4="4242",
                card_exp_month=12,
                card_exp_year=2029,
            ),
            payment_method_id="pm_1",
            attached=True,
        ),
    ),
    (
        "card-removed",
        envelope("payment_method.detached", payment_method(None)),
        PaymentMethodEvent(
            **header("payment_method.detached"), card=None, payment_method_id="pm_1", attached=False
        ),
    ),
    (
        "intent-created",
        envelope("payment_intent.created", payment_intent("requires_payment_method", None)),
        IgnoredEvent(**header("payment_intent.created")),
    ),
    (
        "charge-succeeded",
        envelope("charge.succeeded", {"id": "ch_1", "object": "charge"}),
        IgnoredEvent(**header("charge.succeeded")),
    ),
    (
        "funds-withdrawn",
        envelope("charge.dispute.funds_withdrawn", dispute("needs_response")),
        IgnoredEvent(**header("charge.dispute.funds_withdrawn")),
    ),
    (
        "customer-created",
        envelope("customer.created", {"id": "cus_1", "object": "customer"}),
        IgnoredEvent(**header("customer.created")),
    ),
    (
        "capability-updated",
        envelope("capability.updated", {"id": "card_payments", "object": "capability"}, ACCOUNT),
        IgnoredEvent(**header("capability.updated", ACCOUNT)),
    ),
]


@pytest.mark.parametrize(
    ("event", "expected"), [(e, x) for _, e, x in CASES], ids=[name for name, _, _ in CASES]
)
async def test_an_event_is_typed(
    gateway: PaymentGateway, clock: FakeClock, event: dict[str, Any], expected: GatewayEvent
) -> None:
    assert typed(gateway, clock, event) == expected


async def test_amounts_keep_their_currency(gateway: PaymentGateway, clock: FakeClock) -> None:
    body = refund("succeeded") | {"amount": 1000, "currency": "jpy"}

    event = typed(gateway, clock, envelope("refund.created", body))

    assert isinstance(event, RefundEvent)
    assert event.observation.amount == Money.of(1000, "JPY")
    assert event.observation.amount.format() == "JPY 1000"


async def test_a_platform_account_update_names_the_account_it_describes(
    gateway: PaymentGateway, clock: FakeClock
) -> None:
    event = envelope("account.updated", account(enabled=True))

    typed_event = typed(gateway, clock, event)

    assert isinstance(typed_event, AccountUpdatedEvent)
    assert typed_event.account_id == ACCOUNT


@pytest.mark.parametrize(
    "event",
    [
        envelope("payment_intent.succeeded", payment_intent("exploded")),
        envelope("payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent"}),
        envelope("refund.created", refund("vanished")),
        envelope("refund.created", refund("succeeded") | {"currency": "xyz"}),
        envelope("refund.created", refund("succeeded") | {"amount": "30.00"}),
        envelope("charge.dispute.created", dispute("argued")),
        envelope("account.updated", {"id": ACCOUNT, "object": "account"}, ACCOUNT),
        envelope(
            "account.updated",
            account(enabled=False) | {"requirements": {"currently_due": "external_account"}},
            ACCOUNT,
        ),
        envelope("account.application.deauthorized", {"id": "ca_1", "object": "application"}),
        envelope("payment_method.attached", payment_method(None)),
        envelope("payout.paid", {"id": "po_1", "object": "payout"}, ACCOUNT),
        envelope("payment_intent.succeeded", "pi_1"),
    ],
    ids=[
        "unknown-intent-status",
        "intent-without-status",
        "unknown-refund-status",
        "unknown-currency",
        "amount-as-text",
        "unknown-dispute-status",
        "account-without-flags",
        "requirements-not-a-list",
        "deauthorization-without-account",
        "attached-without-customer",
        "payout-without-amount",
        "object-not-an-object",
    ],
)
async def test_an_event_whose_object_makes_no_sense_is_refused(
    gateway: PaymentGateway, clock: FakeClock, event: dict[str, Any]
) -> None:
    with pytest.raises(InvalidEvent):
        typed(gateway, clock, event)
