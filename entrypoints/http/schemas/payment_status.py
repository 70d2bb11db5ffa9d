"""Where an order's payment stands, as its shopper may see it: no ids of payments, customers or
cards, no e-mail address, no decline codes; words to show instead."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from application.use_cases.show_checkout import Checkout
from entrypoints.web.words import state_words

ShopperStatus = Literal["pending", "requires_action", "processing", "paid", "failed"]


class PaymentStatusOut(msgspec.Struct):
    order_id: str
    order_reference: str
    status: Annotated[
        ShopperStatus,
        msgspec.Meta(
            description=(
                "`pending`: nothing paid yet; `requires_action`: the shopper's bank asks them to "
                "authenticate; `processing`: the outcome is on its way; `paid`; `failed`: the "
                "last attempt failed and the shopper may try again."
            )
        ),
    ]
    final: Annotated[
        bool,
        msgspec.Meta(description="`paid` or `failed`: nothing changes until the shopper acts."),
    ]
    amount: Annotated[int, msgspec.Meta(description="The order's amount, in minor units.")]
    currency: str
    amount_display: Annotated[str, msgspec.Meta(examples=["EUR 49.90"])]
    title: Annotated[str, msgspec.Meta(description="A heading for the shopper, in words.")]
    message: Annotated[str, msgspec.Meta(description="What happened, in words for the shopper.")]


def payment_status_out(checkout: Checkout) -> PaymentStatusOut:
    state = checkout.state
    title, message = state_words(state, checkout.failure_reason)
    return PaymentStatusOut(
        order_id=checkout.order.id,
        order_reference=checkout.order.reference,
        status=state.value,
        final=state.is_final,
        amount=checkout.order.amount.minor_units,
        currency=checkout.order.amount.currency.code,
        amount_display=checkout.order.amount.format(),
        title=title,
        message=message,
    )
