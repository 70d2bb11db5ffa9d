"""A store's order as storepay knows it: what the shopper owes and where its payment stands."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime

from domain.email import normalise_email
from domain.errors import InvalidAmount, InvalidOrder
from domain.money import Money
from domain.payment import Payment, PaymentStatus

_REFERENCE = re.compile(r"[\x21-\x7e]([\x20-\x7e]{0,98}[\x21-\x7e])?")


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"  # paid: the store can fulfil it


class OrderPaymentStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    DISPUTED = "disputed"


_FOLLOWS = {
    PaymentStatus.PENDING: OrderPaymentStatus.PENDING,
    PaymentStatus.REQUIRES_ACTION: OrderPaymentStatus.PENDING,
    PaymentStatus.PROCESSING: OrderPaymentStatus.PENDING,
    PaymentStatus.CANCELED: OrderPaymentStatus.PENDING,  # the shopper may pay again
    PaymentStatus.FAILED: OrderPaymentStatus.FAILED,
    PaymentStatus.SUCCEEDED: OrderPaymentStatus.PAID,
    PaymentStatus.PARTIALLY_REFUNDED: OrderPaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED: OrderPaymentStatus.REFUNDED,
    PaymentStatus.DISPUTED: OrderPaymentStatus.DISPUTED,
}


@dataclass(eq=False)
class Order:
    id: str
    store_id: str
    reference: str
    customer_email: str
    amount: Money
    created_at: datetime
    status: OrderStatus = OrderStatus.PENDING
    payment_status: OrderPaymentStatus = OrderPaymentStatus.PENDING
    payment_id: str | None = None
    payment_attempts: int = 0  # payment intents created for it so far

    @classmethod
    def register(
        cls,
        *,
        order_id: str,
        store_id: str,
        reference: str,
        customer_email: str,
        amount: Money,
        created_at: datetime,
    ) -> Order:
        if not isinstance(reference, str) or not _REFERENCE.fullmatch(reference):
            raise InvalidOrder(
                "an order reference is 1 to 100 printable characters, without surrounding spaces"
            )
        if not amount.is_positive:
            raise InvalidAmount(f"an order amount is positive, not {amount}")
        amount.check_chargeable()
        return cls(
            id=order_id,
            store_id=store_id,
            reference=reference,
            customer_email=normalise_email(customer_email),
            amount=amount,
            created_at=created_at,
        )

    def same_as(self, *, reference: str, customer_email: str, amount: Money) -> bool:
        """Whether registering these details again describes this very order."""
        return (
            self.reference == reference
            and self.customer_email == normalise_email(customer_email)
            and self.amount == amount
        )

    @property
    def is_paid(self) -> bool:
        return self.payment_status not in (OrderPaymentStatus.PENDING, OrderPaymentStatus.FAILED)

    def follow(self, payment: Payment) -> None:
        """Take the payment status of the order's payment, in the same transaction."""
        self.payment_id = payment.id
        self.payment_status = _FOLLOWS[payment.status]
        if payment.status.is_paid:
            self.status = OrderStatus.PROCESSING
