"""What the workflow scenarios ask of storepay, whichever way in they take.

Steps talk only to a :class:`Marketplace`. One implementation calls the use cases directly; another
can drive the same scenarios through another database or over HTTP. References to stores, orders,
payments and cards are opaque strings the steps keep but never show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from domain.money import Money


class Refused(Exception):
    """A business rule refused the request; ``code`` is the stable code the API reports."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class StoreRef:
    id: str
    api_key: str


@dataclass(frozen=True, slots=True)
class StoreView:
    account: str | None
    account_status: str
    accepts_payments: bool
    needs_onboarding: bool
    currency: str
    payout_schedule: str
    minimum_payout: Money


@dataclass(frozen=True, slots=True)
class Onboarding:
    account: str
    link: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class OrderView:
    id: str
    reference: str
    customer_email: str
    amount: Money
    status: str
    payment_status: str


@dataclass(frozen=True, slots=True)
class Breakdown:
    total: Money
    platform_fee: Money
    store_amount: Money


@dataclass(frozen=True, slots=True)
class Checkout:
    payment: str
    intent: str
    client_secret: str
    breakdown: Breakdown


@dataclass(frozen=True, slots=True)
class GatewayCharge:
    """A destination charge as the gateway holds it."""

    amount: Money
    platform_fee: Money
    destination: str


@dataclass(frozen=True, slots=True)
class GatewayRefunds:
    """What the gateway has given back to the shopper, and of the platform fee, in all."""

    amount: Money
    platform_fee: Money


@dataclass(frozen=True, slots=True)
class RefundView:
    id: str
    amount: Money
    status: str
    platform_fee_refunded: Money
    store_amount_refunded: Money


@dataclass(frozen=True, slots=True)
class PaymentView:
    id: str
    status: str
    amount_total: Money
    amount_store: Money
    amount_platform_fee: Money
    amount_refunded: Money
    refundable: Money
    failure_reason: str | None
    refunds: list[RefundView] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Balance:
    currency: str
    gross_volume: Money
    platform_fees: Money
    refunds: Money
    fee_refunds: Money
    disputed: Money
    net: Money


@dataclass(frozen=True, slots=True)
class Fees:
    currency: str
    collected: Money
    given_back: Money
    net: Money


@dataclass(frozen=True, slots=True)
class FeeReport:
    totals: list[Fees]
    by_store: dict[str, list[Fees]]


@dataclass(frozen=True, slots=True)
class SavedCard:
    id: str
    brand: str
    last4: str
    is_default: bool


class Marketplace(Protocol):
    """storepay as its users meet it: the platform, stores, shoppers, the gateway's test mode."""

    # the platform
    def open_store(self, name: str, currency: str) -> StoreRef: ...

    def set_fee(self, store: StoreRef, percentage: str, fixed: Money | None) -> None: ...

    def rotate_api_key(self, store: StoreRef) -> str: ...

    def identify(self, api_key: str) -> str: ...

    def platform_fees(self) -> FeeReport: ...

    # a store's back office
    def set_up_payments(self, store: StoreRef) -> Onboarding: ...

    def fresh_onboarding_link(self, store: StoreRef) -> Onboarding: ...

    def return_from_onboarding(self, store: StoreRef) -> StoreView:
        """Follow the link the gateway's onboarding pages send the store back to."""
        ...

    def store(self, store: StoreRef) -> StoreView: ...

    def change_payouts(
        self, store: StoreRef, *, schedule: str | None = None, minimum: Money | None = None
    ) -> StoreView: ...

    def register_order(
        self, store: StoreRef, reference: str, customer_email: str, amount: Money
    ) -> OrderView: ...

    def order(self, store: StoreRef, order: str) -> OrderView: ...

    def payment(self, store: StoreRef, payment: str) -> PaymentView: ...

    def payments(self, store: StoreRef) -> list[PaymentView]: ...

    def refund(
        self,
        store: StoreRef,
        payment: str,
        amount: Money | None = None,
        idempotency_key: str | None = None,
    ) -> RefundView: ...

    def balances(self, store: StoreRef) -> list[Balance]: ...

    def saved_cards(self, store: StoreRef, customer_email: str) -> list[SavedCard]: ...

    def make_default_card(self, store: StoreRef, customer_email: str, card: str) -> None: ...

    def remove_card(self, store: StoreRef, customer_email: str, card: str) -> None: ...

    def customer_session(self, store: StoreRef, order: str) -> str:
        """What the store's backend asks for once the order's shopper signed in at the store."""
        ...

    # the storefront
    def preview_fee(self, store: StoreRef, amount: Money) -> Breakdown: ...

    def check_out(
        self,
        store: StoreRef,
        order: str,
        amount: Money,
        customer_email: str,
        *,
        save_card: bool = False,
        customer_session: str | None = None,
    ) -> Checkout: ...

    def cards_offered(self, store: StoreRef, order: str, customer_session: str | None) -> list[str]:
        """The ids of the saved cards the order's checkout page offers."""
        ...

    # the gateway's test mode: shoppers, banks, stores at the gateway, and webhook delivery
    def pay(self, checkout: Checkout, card_number: str) -> None: ...

    def pay_with_saved_card(self, checkout: Checkout, card: str) -> None: ...

    def authenticate(self, checkout: Checkout, *, success: bool) -> None: ...

    def charge_at_gateway(self, checkout: Checkout) -> GatewayCharge: ...

    def refunds_at_gateway(self, checkout: Checkout) -> GatewayRefunds: ...

    def finish_onboarding(self, store: StoreRef) -> None: ...

    def disconnect(self, store: StoreRef) -> None: ...

    def payout_schedule_at_gateway(self, store: StoreRef) -> str: ...

    def card_kept_at_gateway(self, card: str) -> bool: ...

    def open_dispute(self, checkout: Checkout) -> None: ...

    def close_dispute(self, checkout: Checkout, *, won: bool) -> None: ...

    def fail_next_refund(self) -> None: ...

    def settle_refunds(self) -> None: ...

    def hold_webhooks(self) -> None: ...

    def release_webhooks(self, *, order: str, duplicates: float) -> None:
        """``order``: ``sent``, ``newest first`` or ``shuffled <seed>``."""
        ...

    def webhooks_refused(self) -> int: ...

    # time and housekeeping
    def pass_time(self, by: timedelta) -> None: ...

    def reconcile(self) -> int:
        """Returns how many payments it brought up to date."""
        ...
