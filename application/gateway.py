"""The payment gateway port: what storepay asks of Stripe (or of the simulator standing in for it).

Requests and answers are plain values in the core's terms (``Money``, observations); an adapter
turns them into its vendor's calls. Every call that creates something carries an idempotency key
derived from the business operation, so a retried call never creates it twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from domain.account import AccountSnapshot
from domain.dispute import DisputeObservation
from domain.errors import DomainError
from domain.money import Money
from domain.payment import IntentObservation
from domain.payout import PayoutSchedule
from domain.refund import RefundObservation, RefundReason


class GatewayError(DomainError):
    """The gateway refused a request (it will refuse it again: do not retry as is)."""

    code = "gateway_error"


class GatewayUnavailable(GatewayError):
    """The gateway could not be reached or failed; the same request may succeed later."""

    code = "gateway_unavailable"


class InvalidEvent(DomainError):
    """A webhook body that is not authentic, is stale, or is not an event."""

    code = "invalid_event"


@dataclass(frozen=True, slots=True)
class NewAccount:
    store_id: str
    business_name: str
    email: str
    country: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class GatewayAccount:
    account_id: str
    snapshot: AccountSnapshot


@dataclass(frozen=True, slots=True)
class OnboardingLink:
    url: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IntentRequest:
    """A destination charge: the shopper pays ``amount``; the platform keeps ``application_fee``."""

    amount: Money
    application_fee: Money
    destination_account: str
    idempotency_key: str
    receipt_email: str
    customer_id: str | None = None
    save_payment_method: bool = False
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GatewayIntent:
    id: str
    client_secret: str
    amount: Money
    observation: IntentObservation
    metadata: Mapping[str, str] = field(default_factory=dict)
    customer_id: str | None = None  # whose saved cards can pay it


@dataclass(frozen=True, slots=True)
class RefundRequest:
    """Refund ``amount``, giving back ``application_fee_refund`` and pulling back the transfer."""

    payment_intent_id: str
    amount: Money
    application_fee_refund: Money
    idempotency_key: str
    reason: RefundReason | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SavedCard:
    payment_method_id: str
    customer_id: str
    type: str
    card_brand: str | None
    card_last4: str | None
    card_exp_month: int | None
    card_exp_year: int | None


# -- events the gateway sends (verified and typed) -----------------------------------------------


@dataclass(frozen=True, slots=True)
class GatewayEvent:
    event_id: str
    type: str
    created_at: datetime
    account_id: str | None  # the connected account, for Connect events


@dataclass(frozen=True, slots=True)
class PaymentIntentEvent(GatewayEvent):
    payment_intent_id: str
    observation: IntentObservation


@dataclass(frozen=True, slots=True)
class RefundEvent(GatewayEvent):
    """A refund, of the payment of ``payment_intent_id`` or, when Stripe names none, of the
    payment whose charge is ``charge_id``."""

    payment_intent_id: str | None
    charge_id: str | None
    observation: RefundObservation


@dataclass(frozen=True, slots=True)
class DisputeEvent(GatewayEvent):
    """A dispute, of the payment of ``payment_intent_id`` or, when Stripe names none, of the
    payment whose charge is ``charge_id``."""

    payment_intent_id: str | None
    charge_id: str | None
    observation: DisputeObservation


@dataclass(frozen=True, slots=True)
class AccountUpdatedEvent(GatewayEvent):
    snapshot: AccountSnapshot


@dataclass(frozen=True, slots=True)
class AccountDeauthorizedEvent(GatewayEvent):
    pass


@dataclass(frozen=True, slots=True)
class PayoutEvent(GatewayEvent):
    payout_id: str
    amount: Money
    status: str  # "paid" or "failed"
    failure_code: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentMethodEvent(GatewayEvent):
    card: SavedCard | None  # None when detached from its customer
    payment_method_id: str
    attached: bool


@dataclass(frozen=True, slots=True)
class IgnoredEvent(GatewayEvent):
    """An authentic event of a type storepay stores but does not act on."""


@runtime_checkable
class PaymentGateway(Protocol):
    @property
    def name(self) -> str:
        """``stripe`` or ``simulated``."""
        ...

    @property
    def publishable_key(self) -> str | None: ...

    # connected accounts
    async def create_account(self, request: NewAccount) -> GatewayAccount: ...

    async def retrieve_account(self, account_id: str) -> GatewayAccount: ...

    async def create_onboarding_link(
        self, account_id: str, *, refresh_url: str, return_url: str
    ) -> OnboardingLink: ...

    async def set_payout_schedule(self, account_id: str, schedule: PayoutSchedule) -> None: ...

    # payments
    async def create_payment_intent(self, request: IntentRequest) -> GatewayIntent: ...

    async def retrieve_payment_intent(self, payment_intent_id: str) -> GatewayIntent: ...

    async def cancel_payment_intent(self, payment_intent_id: str) -> GatewayIntent: ...

    async def create_refund(self, request: RefundRequest) -> RefundObservation: ...

    async def retrieve_refund(self, gateway_refund_id: str) -> RefundObservation: ...

    # shoppers and their saved cards
    async def ensure_customer(self, *, email: str, store_id: str) -> str: ...

    async def list_payment_methods(self, customer_id: str) -> list[SavedCard]: ...

    async def detach_payment_method(self, payment_method_id: str) -> None: ...

    # webhooks
    def parse_event(self, payload: bytes, signature_header: str, *, connect: bool) -> GatewayEvent:
        """Verify a webhook body's signature and type it; raise ``InvalidEvent`` otherwise."""
        ...

    def type_event(self, payload: bytes, *, connect: bool) -> GatewayEvent:
        """Type a body that was verified when it arrived (an inbox event being retried)."""
        ...
