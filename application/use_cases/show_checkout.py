"""A shopper opens an order's checkout, or asks where its payment stands.

Public: whoever holds the order's checkout address sees what the shopper needs to pay it (the
store's name, the order's reference and amount, the fee breakdown, where the payment stands) and
nothing else. The cards the shopper saved with the store are shown only with a customer session
that proves the shopper (``application.customer_sessions``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from application.customer_sessions import admitting
from application.gateway import GatewayError
from application.lookups import require_order, require_store
from application.ports import Clock, UnitOfWorkFactory
from application.use_cases.list_payment_methods import ListPaymentMethods
from domain.errors import DomainError
from domain.fees import FeeBreakdown
from domain.order import Order
from domain.payment import Payment, PaymentStatus
from domain.payment_method import SavedPaymentMethod
from domain.store import Store


class CheckoutState(enum.StrEnum):
    """Where an order's payment stands, as its shopper may know it."""

    PENDING = "pending"  # nothing paid yet (no attempt, or one that was canceled)
    REQUIRES_ACTION = "requires_action"  # the bank asks the shopper to authenticate
    PROCESSING = "processing"  # confirmed, the outcome is not known yet
    PAID = "paid"  # captured, whatever happened to the money afterwards (refunds, disputes)
    FAILED = "failed"  # the last attempt failed; the shopper may try again

    @property
    def is_final(self) -> bool:
        """Nothing changes without the shopper doing something."""
        return self in (CheckoutState.PAID, CheckoutState.FAILED)


_STATES = {
    PaymentStatus.PENDING: CheckoutState.PENDING,
    PaymentStatus.CANCELED: CheckoutState.PENDING,
    PaymentStatus.REQUIRES_ACTION: CheckoutState.REQUIRES_ACTION,
    PaymentStatus.PROCESSING: CheckoutState.PROCESSING,
    PaymentStatus.FAILED: CheckoutState.FAILED,
}


@dataclass(frozen=True, slots=True)
class Checkout:
    store: Store
    order: Order
    breakdown: FeeBreakdown | None  # the payment's own, or the store's quote; none if neither
    payment: Payment | None
    saved_cards: tuple[SavedPaymentMethod, ...] = ()
    signed_in: bool = False  # a customer session proved the shopper: it can go to create-intent

    @property
    def state(self) -> CheckoutState:
        if self.order.is_paid:
            return CheckoutState.PAID
        if self.payment is None:
            return CheckoutState.PENDING
        if self.payment.status.is_paid:  # the order follows in the same transaction
            return CheckoutState.PAID
        return _STATES[self.payment.status]

    @property
    def payable(self) -> bool:
        """Whether the shopper can pay it here: an order in another currency than its store's
        (registered before that was refused) cannot be."""
        return self.order.amount.currency == self.store.currency

    @property
    def failure_reason(self) -> str | None:
        """The gateway's code for the last failed attempt (for choosing words, not to show)."""
        if self.state is not CheckoutState.FAILED or self.payment is None:
            return None
        return self.payment.failure_reason


class ShowCheckout:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        list_payment_methods: ListPaymentMethods,
        clock: Clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._list_payment_methods = list_payment_methods
        self._clock = clock

    async def __call__(
        self, store_id: str, order_id: str, *, customer_session: str | None = None
    ) -> Checkout:
        """The order's checkout; with a customer session that proves its shopper (checked, not
        used up), also the shopper's saved cards (while the order can still be paid; the
        checkout works without them)."""
        async with self._uow_factory() as uow:
            store = await require_store(uow, store_id)
            order = await require_order(uow, store.id, order_id)
            payment = await uow.payments.latest_for_order(store.id, order.id)
            session = (
                None
                if customer_session is None
                else await admitting(
                    uow,
                    customer_session,
                    store.id,
                    order.id,
                    order.customer_email,
                    self._clock.now(),
                )
            )
        breakdown = payment.breakdown if payment else _quote(store, order)
        checkout = Checkout(store=store, order=order, breakdown=breakdown, payment=payment)
        if session is None or checkout.state is CheckoutState.PAID:
            return checkout
        if not store.accepts_payments or not checkout.payable:
            return checkout
        try:
            cards = await self._list_payment_methods(store.id, order.customer_email)
        except GatewayError:
            cards = []  # the gateway is unreachable: the shopper can still enter a card
        saved = tuple(card for card in cards if card.type == "card" and card.card_last4)
        return Checkout(
            store=store,
            order=order,
            breakdown=breakdown,
            payment=payment,
            saved_cards=saved,
            signed_in=True,
        )


def _quote(store: Store, order: Order) -> FeeBreakdown | None:
    """The store's quote for the order, if its policy can give one: where a payment stands is
    shown whatever the fees, so a fee that cannot be computed is shown as none."""
    try:
        return store.quote(order.amount)
    except DomainError:
        return None
