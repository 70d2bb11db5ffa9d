"""What the emulated Stripe keeps, and each record as Stripe's API shows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from adapters.stripe_emulator.cards import Card, Decline
from domain.money import Money

JSON = dict[str, Any]

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


def _currency(amount: Money) -> str:
    return amount.currency.code.lower()


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

    def complete_onboarding(self) -> None:
        self.charges_enabled = self.payouts_enabled = self.details_submitted = True
        self.currently_due = []
        self.past_due = []
        self.disabled_reason = None

    def to_stripe(self) -> JSON:
        capability = "active" if self.charges_enabled else "inactive"
        schedule: JSON = {"delay_days": PAYOUT_DELAY_DAYS, **self.schedule}
        return {
            "id": self.id,
            "object": "account",
            "type": "express",
            "business_profile": {"name": self.business_name},
            "capabilities": {"card_payments": capability, "transfers": capability},
            "charges_enabled": self.charges_enabled,
            "country": self.country,
            "created": unix(self.created),
            "default_currency": DEFAULT_CURRENCIES.get(self.country, "usd"),
            "details_submitted": self.details_submitted,
            "email": self.email,
            "metadata": dict(self.metadata),
            "payouts_enabled": self.payouts_enabled,
            "requirements": {
                "currently_due": list(self.currently_due),
                "eventually_due": list(self.currently_due),
                "past_due": list(self.past_due),
                "pending_verification": [],
                "disabled_reason": self.disabled_reason,
            },
            "settings": {"payouts": {"schedule": schedule}},
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
            "amount_received": self.amount.minor_units if self.status == "succeeded" else 0,
            "application_fee_amount": self.application_fee.minor_units,
            "canceled_at": unix(self.canceled_at) if self.canceled_at else None,
            "capture_method": "automatic",
            "client_secret": self.client_secret,
            "created": unix(self.created),
            "currency": _currency(self.amount),
            "customer": self.customer,
            "description": self.description,
            "last_payment_error": error,
            "latest_charge": self.latest_charge,
            "livemode": False,
            "metadata": dict(self.metadata),
            "next_action": next_action,
            "payment_method": self.payment_method,
            "payment_method_types": ["card"],
            "receipt_email": self.receipt_email,
            "setup_future_usage": "off_session" if self.save_payment_method else None,
            "status": self.status,
            "transfer_data": {"destination": self.destination},
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
            "application_fee": self.application_fee_object,
            "application_fee_amount": self.application_fee.minor_units,
            "balance_transaction": self.balance_transaction,
            "captured": succeeded,
            "created": unix(self.created),
            "currency": _currency(self.amount),
            "customer": self.customer,
            "disputed": self.disputed,
            "failure_code": self.failure.code if self.failure else None,
            "failure_message": self.failure.message if self.failure else None,
            "livemode": False,
            "metadata": {},
            "outcome": {
                "network_status": "approved_by_network" if succeeded else "declined_by_network",
                "reason": self.failure.decline_code if self.failure else None,
                "type": "authorized" if succeeded else "issuer_declined",
            },
            "paid": succeeded,
            "payment_intent": self.payment_intent,
            "payment_method": self.payment_method,
            "payment_method_details": {"type": "card", "card": self.card.to_stripe()},
            "refunded": succeeded and self.amount_refunded == self.amount.minor_units,
            "status": self.status,
            "transfer": self.transfer,
            "transfer_data": {"destination": self.destination},
        }


@dataclass
class RefundRecord:
    id: str
    payment_intent: str
    charge: str
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
        return {
            "id": self.id,
            "object": "refund",
            "amount": self.amount.minor_units,
            "balance_transaction": self.balance_transaction,
            "charge": self.charge,
            "created": unix(self.created),
            "currency": _currency(self.amount),
            "failure_balance_transaction": self.failure_balance_transaction,
            "failure_reason": self.failure_reason,
            "metadata": dict(self.metadata),
            "payment_intent": self.payment_intent,
            "reason": self.reason,
            "status": self.status,
            "transfer_reversal": self.transfer_reversal,
        }


@dataclass
class DisputeRecord:
    id: str
    charge: str
    payment_intent: str
    amount: Money
    reason: str
    status: str
    created: datetime
    balance_transactions: list[JSON] = field(default_factory=list)

    def to_stripe(self) -> JSON:
        return {
            "id": self.id,
            "object": "dispute",
            "amount": self.amount.minor_units,
            "balance_transactions": [dict(txn) for txn in self.balance_transactions],
            "charge": self.charge,
            "created": unix(self.created),
            "currency": _currency(self.amount),
            "is_charge_refundable": False,
            "livemode": False,
            "metadata": {},
            "payment_intent": self.payment_intent,
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
            "created": unix(self.created),
            "email": self.email,
            "livemode": False,
            "metadata": dict(self.metadata),
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
            "billing_details": {"email": None, "name": None},
            "card": self.card.to_stripe(),
            "created": unix(self.created),
            "customer": self.customer,
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
            "arrival_date": unix(self.arrival),
            "balance_transaction": self.balance_transaction,
            "failure_balance_transaction": self.failure_balance_transaction,
            "created": unix(self.created),
            "currency": _currency(self.amount),
            "destination": None,
            "failure_code": self.failure_code,
            "failure_message": None if self.failure_code is None else "The payout failed.",
            "livemode": False,
            "method": "standard",
            "status": self.status,
            "type": "bank_account",
        }
