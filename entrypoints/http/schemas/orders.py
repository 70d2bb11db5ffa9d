"""A store's orders on the wire: what a shopper owes, and where its payment stands."""

from __future__ import annotations

from typing import Annotated

import msgspec

from domain.order import Order
from entrypoints.http.schemas.common import Amount, CurrencyCode, Email, display, timestamp

# The domain's rule for a reference, checked at the edge so a bad one names its field.
Reference = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=100,
        pattern=r"^[\x21-\x7e]([\x20-\x7e]{0,98}[\x21-\x7e])?$",
        description=(
            "The store's own order number, unique per store: 1 to 100 printable ASCII characters, "
            "without surrounding spaces."
        ),
        examples=["A-1042"],
    ),
]


class NewOrderBody(msgspec.Struct, forbid_unknown_fields=True):
    reference: Reference
    customer_email: Email
    amount: Amount
    currency: CurrencyCode


class OrderOut(msgspec.Struct):
    id: str
    reference: str
    amount: int
    amount_display: str
    currency: str
    customer_email: str
    status: str
    payment_status: str
    payment_id: str | None
    created_at: str | None


def order_out(order: Order) -> OrderOut:
    return OrderOut(
        id=order.id,
        reference=order.reference,
        amount=order.amount.minor_units,
        amount_display=display(order.amount),
        currency=order.amount.currency.code,
        customer_email=order.customer_email,
        status=order.status.value,
        payment_status=order.payment_status.value,
        payment_id=order.payment_id,
        created_at=timestamp(order.created_at),
    )
