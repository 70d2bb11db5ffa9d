"""What the emulated Stripe keeps, and each record as Stripe's API shows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import stripe

from adapters.stripe_emulator.cards import Card, Decline
from domain.money import Money

JSON = dict[str, Any]
API_VERSION = stripe.api_version  # the version stripe-python speaks, and so the emulator

ONBOARDING_REQUIREMENTS = (
    "business_profile.mcc",
    "business_profile.url",
    "external_account",
    "individual.dob.day",
    "individual.dob.month",
    "individual.dob.year",
    "individual.first_name",
    "individual.last_name",
    "tos_acceptance.date",
    "tos_acceptance.ip",
)
PAYOUT_DELAY_DAYS = 7
EVIDENCE_DUE_DAYS = 7
DISPUTE_EVIDENCE = (
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
)
# The currency an account settles in by default, by its country (the few storepay's tests use;
# any other country settles in US dollars here).
DEFAULT_CURRENCIES = {
    "AT": "eur",
    "BE": "eur",
    "DE": "eur",
    "ES": "eur",
    "FR": "eur",
    "IE": "eur",
    "IT": "eur",
    "LU": "eur",
    "NL": "eur",
    "PT": "eur",
    "GB": "gbp",
    "US": "usd",
    "CA": "cad",
    "AU": "aud",
    "JP": "jpy",
    "CH": "chf",
    "SE": "sek",
    "DK": "dkk",
    "NO": "nok",
    "PL": "pln",
}


def unix(at: datetime) -> int:
    return int(at.timestamp())


def event(
    event_id: str,
    event_type: str,
    obj: JSON,
    created: datetime,
    *,
    account: str | None = None,
    previous: JSON | None = None,
) -> JSON:
    """A Stripe event as a webhook endpoint receives it: about ``obj``, on the connected
    ``account`` for a Connect event, with the ``previous`` values of what an update changed."""
    data: JSON = {"object": obj}
    if previous is not None:
        data["previous_attributes"] = previous
    shown: JSON = {
        "id": event_id,
        "object": "event",
        "api_version": API_VERSION,
        "created": unix(created),
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
    if account is not None:
        shown["account"] = account
    return shown


def _currency(amount: Money) -> str:
    return amount.currency.code.lower()


def _list(url: str) -> JSON:
    """An empty list, as Stripe includes one in an object."""
    return {"object": "list", "data": [], "has_more": False, "url": url}


def _billing_details() -> JSON:
    address = dict.fromkeys(("city", "country", "line1", "line2", "postal_code", "state"))
    return {"address": address, "email": None, "name": None, "phone": None, "tax_id": None}


def _express_controller() -> JSON:
    """An Express account stated with controller properties, as storepay creates them: the
    platform pays Stripe's fees and bears the losses, Stripe collects what onboarding needs."""
    return {
        "fees": {"payer": "application"},
        "is_controller": True,
        "losses": {"payments": "application"},
        "requirement_collection": "stripe",
        "stripe_dashboard": {"type": "express"},
        "type": "application",
    }


def _requirements(currently_due: list[str], past_due: list[str], disabled: str | None) -> JSON:
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": list(currently_due),
        "disabled_reason": disabled,
        "errors": [],
        "eventually_due": list(currently_due),
        "past_due": list(past_due),
        "pending_verification": [],
    }


@dataclass
class AccountRecord:
    id: str
    business_name: str | None
    email: str | None
    country: str
    created: datetime
    metadata: dict[str, str]
    charges_enabled: bool = False
    payouts_enabled: bool = False
    details_submitted: bool = False
    currently_due: list[str] = field(default_factory=lambda: list(ONBOARDING_REQUIREMENTS))
    past_due: list[str] = field(default_factory=lambda: list(ONBOARDING_REQUIREMENTS))
    disabled_reason: str | None = "requirements.past_due"
    schedule: JSON = field(default_factory=lambda: {"interval": "daily"})
    deauthorized: bool = False
    terms_accepted: datetime | None = None

    def complete_onboarding(self, at: datetime) -> None:
        self.charges_enabled = self.payouts_enabled = self.details_submitted = True
        self.currently_due = []
        self.past_due = []
        self.disabled_reason = None
        self.terms_accepted = self.terms_accepted or at

    def to_stripe(self) -> JSON:
        capability = "active" if self.charges_enabled else "inactive"
        schedule: JSON = {"delay_days": PAYOUT_DELAY_DAYS, **self.schedule}
        return {
            "id": self.id,
            "object": "account",
            "type": "express",
            "business_profile": {"name": self.business_name},
            "business_type": None,
            "capabilities": {"card_payments": capability, "transfers": capability},
            "charges_enabled": self.charges_enabled,
            "controller": _express_controller(),
            "country": self.country,
            "created": unix(self.created),
            "default_currency": DEFAULT_CURRENCIES.get(self.country, "usd"),
            "details_submitted": self.details_submitted,
            "email": self.email,
            "external_accounts": _list(f"/v1/accounts/{self.id}/external_accounts"),
            "future_requirements": _requirements([], [], None),
            "metadata": dict(self.metadata),
            "payouts_enabled": self.payouts_enabled,
            "requirements": _requirements(self.currently_due, self.past_due, self.disabled_reason),
            "settings": {"payouts": {"schedule": schedule}},
            "tos_acceptance": {
                "date": None if self.terms_accepted is None else unix(self.terms_accepted),
                "ip": None,
                "user_agent": None,
            },
        }


@dataclass
class IntentRecord:
    id: str
    client_secret: str
    amount: Money
    application_fee: Money
    destination: str
    receipt_email: str | None
    created: datetime
    customer: str | None
    save_payment_method: bool
    metadata: dict[str, str]
    description: str | None = None
    automatic_payment_methods: bool = False
    status: str = "requires_payment_method"
    latest_charge: str | None = None
    payment_method: str | None = None
    last_payment_error: Decline | None = None
    canceled_at: datetime | None = None
    card_awaiting_authentication: Card | None = None

    @property
    def attempt_failed(self) -> bool:
        return self.status == "requires_payment_method" and self.last_payment_error is not None

    def to_stripe(self) -> JSON:
        error: JSON | None = None
        if self.last_payment_error is not None:
            error = {
                "code": self.last_payment_error.code,
                "decline_code": self.last_payment_error.decline_code,
                "message": self.last_payment_error.message,
                "type": "card_error",
            }
        next_action: JSON | None = None
        if self.status == "requires_action":
            next_action = {"type": "use_stripe_sdk", "use_stripe_sdk": {"type": "three_d_secure"}}
        return {
            "id": self.id,
            "object": "payment_intent",
            "amount": self.amount.minor_units,
            "amount_capturable": 0,
            "amount_details": {"tip": {}},
            "amount_received": self.amount.minor_units if self.status == "succeeded" else 0,
            "application": None,
            "application_fee_amount": self.application_fee.minor_units,
            "automatic_payment_methods": (
                {"allow_redirects": "always", "enabled": True}
                if self.automatic_payment_methods
                else None
            ),
            "canceled_at": unix(self.canceled_at) if self.canceled_at else None,
            "cancellation_reason": None,
            "capture_method": "automatic",
            "client_secret": self.client_secret,
            "confirmation_method": "automatic",
            "created": unix(self.created),
            "currency": _currency(self.amount),
            "customer": self.customer,
            "customer_account": None,
            "description": self.description,
            "excluded_payment_method_types": None,
            "last_payment_error": error,
            "latest_charge": self.latest_charge,
            "livemode": False,
            "managed_payments": {"enabled": False},
            "metadata": dict(self.metadata),
            "next_action": next_action,
            "on_behalf_of": None,
            "payment_method": self.payment_method,
            "payment_method_configuration_details": None,
            "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
            "payment_method_types": ["card"],
            "processing": None,
            "receipt_email": self.receipt_email,
            "review": None,
            "setup_future_usage": "off_session" if self.save_payment_method else None,
            "shipping": None,
            "source": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": self.status,
            "transfer_data": {"destination": self.destination},
            "transfer_group": None,
        }


@dataclass(frozen=True, slots=True)
class CardDetails:
    brand: str
    last4: str
    exp_month: int
    exp_year: int

    def to_stripe(self) -> JSON:
        return {
            "brand": self.brand,
            "country": "US",
            "exp_month": self.exp_month,
            "exp_year": self.exp_year,
            "funding": "credit",
            "last4": self.last4,
        }


@dataclass
class ChargeRecord:
    id: str
    payment_intent: str
    amount: Money
    application_fee: Money
    destination: str
    customer: str | None
    payment_method: str
    card: CardDetails
    created: datetime
    status: str
    description: str | None = None
    receipt_email: str | None = None
    failure: Decline | None = None
    refunds_fail: bool = False
    amount_refunded: int = 0
    disputed: bool = False
    balance_transaction: str | None = None
    application_fee_object: str | None = None
    transfer: str | None = None

    @property
    def refundable(self) -> int:
        return self.amount.minor_units - self.amount_refunded

    def to_stripe(self) -> JSON:
        succeeded = self.status == "succeeded"
        return {
            "id": self.id,
            "object": "charge",
            "amount": self.amount.minor_units,
            "amount_captured": self.amount.minor_units if succeeded else 0,
            "amount_refunded": self.amount_refunded,
            "application": None,
            "application_fee": self.application_fee_object,
            "application_fee_amount": self.application_fee.minor_units,
            "balance_transaction": self.balance_transaction,
            "billing_details": _billing_details(),
            "calculated_statement_descriptor": None,
            "captured": succeeded,
            "created": unix(self.created),
            "currency": _currency(self.amount),
            "customer": self.customer,
            "description": self.description,
            "disputed": self.disputed,
            "failure_balance_transaction": None,
            "failure_code": self.failure.code if self.failure else None,
            "failure_message": self.failure.message if self.failure else None,
            "fraud_details": {},
            "livemode": False,
            "metadata": {},
            "on_behalf_of": None,
            "outcome": {
                "network_status": "approved_by_network" if succeeded else "declined_by_network",
                "reason": self.failure.decline_code if self.failure else None,
                "type": "authorized" if succeeded else "issuer_declined",
            },
            "paid": succeeded,
            "payment_intent": self.payment_intent,
            "payment_method": self.payment_method,
            "payment_method_details": {"type": "card", "card": self.card.to_stripe()},
            "receipt_email": self.receipt_email,
            "receipt_number": None,
            "receipt_url": None,
            "refunded": succeeded and self.amount_refunded == self.amount.minor_units,
            "review": None,
            "shipping": None,
            "source": None,
            "source_transfer": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": self.status,
            "transfer": self.transfer,
            "transfer_data": {"destination": self.destination},
            "transfer_group": None,
        }


@dataclass
class RefundRecord:
    id: str
    payment_intent: str
    charge: str
    customer: str | None
    payment_method: str
    amount: Money
    application_fee_refund: Money
    reverse_transfer: bool
    created: datetime
    status: str
    reason: str | None
    metadata: dict[str, str]
    failure_reason: str | None = None
    fails_with: str | None = None
    balance_transaction: str | None = None
    failure_balance_transaction: str | None = None
    transfer_reversal: str | None = None

    @property
    def holds_amount(self) -> bool:
        return self.status not in ("failed", "canceled")

    def to_stripe(self) -> JSON:
        shown: JSON = {
            "id": self.id,
            "object": "refund",
            "amount": self.amount.minor_units,
            "balance_transaction": self.balance_transaction,
            "charge": self.charge,
            "created": unix(self.created),
            "currency": _currency(self.amount),
            "customer": self.customer,
            "customer_account": None,
            "destination_details": {"card": {"type": "refund"}, "type": "card"},
            "metadata": dict(self.metadata),
            "payment_intent": self.payment_intent,
            "payment_method": self.payment_method,
            "reason": self.reason,
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": self.status,
            "transfer_reversal": self.transfer_reversal,
        }
        if self.status == "pending":  # Stripe says why a refund waits, and why one failed
            shown["pending_reason"] = "processing"
        if self.status == "failed":
            shown["failure_balance_transaction"] = self.failure_balance_transaction
            shown["failure_reason"] = self.failure_reason
        return shown


@dataclass
class DisputeRecord:
    id: str
    charge: str
    payment_intent: str
    amount: Money
    reason: str
    status: str
    created: datetime
    card_brand: str
    evidence_submitted: bool = False
    balance_transactions: list[JSON] = field(default_factory=list)
    evidence: dict[str, str] = field(default_factory=dict)  # the texts given so far

    def to_stripe(self) -> JSON:
        inquiry = self.status.startswith("warning_")
        return {
            "id": self.id,
            "object": "dispute",
            "amount": self.amount.minor_units,
            "balance_transactions": [dict(txn) for txn in self.balance_transactions],
            "charge": self.charge,
            "created": unix(self.created),
            "currency": _currency(self.amount),
            "enhanced_eligibility_types": [],
            "evidence": {
                **dict.fromkeys(DISPUTE_EVIDENCE),
                **self.evidence,
                "enhanced_evidence": {},
            },
            "evidence_details": {
                "due_by": unix(self.created + timedelta(days=EVIDENCE_DUE_DAYS)),
                "enhanced_eligibility": {},
                "has_evidence": self.evidence_submitted or bool(self.evidence),
                "past_due": False,
                "submission_count": int(self.evidence_submitted),
            },
            "is_charge_refundable": False,
            "livemode": False,
            "metadata": {},
            "payment_intent": self.payment_intent,
            "payment_method_details": {
                "card": {
                    "brand": self.card_brand,
                    "case_type": "inquiry" if inquiry else "chargeback",
                    "network": self.card_brand,
                    "network_reason_code": None,
                },
                "type": "card",
            },
            "reason": self.reason,
            "status": self.status,
        }


@dataclass
class CustomerRecord:
    id: str
    email: str | None
    metadata: dict[str, str]
    created: datetime

    def to_stripe(self) -> JSON:
        return {
            "id": self.id,
            "object": "customer",
            "address": None,
            "balance": 0,
            "created": unix(self.created),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": None,
            "discount": None,
            "email": self.email,
            "invoice_prefix": self.id.rpartition("_")[2][-8:].upper(),
            "invoice_settings": {
                "custom_fields": None,
                "default_payment_method": None,
                "footer": None,
                "rendering_options": None,
            },
            "livemode": False,
            "metadata": dict(self.metadata),
            "name": None,
            "next_invoice_sequence": 1,
            "phone": None,
            "preferred_locales": [],
            "shipping": None,
            "tax_exempt": "none",
            "test_clock": None,
        }


@dataclass
class PaymentMethodRecord:
    id: str
    card: CardDetails
    created: datetime
    customer: str | None = None

    def to_stripe(self) -> JSON:
        return {
            "id": self.id,
            "object": "payment_method",
            "allow_redisplay": "unspecified",
            "billing_details": _billing_details(),
            "card": self.card.to_stripe(),
            "created": unix(self.created),
            "customer": self.customer,
            "customer_account": None,
            "livemode": False,
            "metadata": {},
            "type": "card",
        }


@dataclass
class PayoutRecord:
    id: str
    account: str
    amount: Money
    status: str
    created: datetime
    arrival: datetime
    failure_code: str | None = None
    balance_transaction: str | None = None
    failure_balance_transaction: str | None = None

    def to_stripe(self) -> JSON:
        return {
            "id": self.id,
            "object": "payout",
            "amount": self.amount.minor_units,
            "application_fee": None,
            "application_fee_amount": None,
            "arrival_date": unix(self.arrival),
            "automatic": True,
            "balance_transaction": self.balance_transaction,
            "created": unix(self.created),
            "currency": _currency(self.amount),
            "description": "STRIPE PAYOUT",
            "destination": None,
            "failure_balance_transaction": self.failure_balance_transaction,
            "failure_code": self.failure_code,
            "failure_message": None if self.failure_code is None else "The payout failed.",
            "livemode": False,
            "metadata": {},
            "method": "standard",
            "original_payout": None,
            "payout_method": None,
            "reconciliation_status": "completed" if self.status == "paid" else "in_progress",
            "reversed_by": None,
            "source_type": "card",
            "statement_descriptor": None,
            "status": self.status,
            "trace_id": {"status": "pending", "value": None},
            "type": "bank_account",
        }
