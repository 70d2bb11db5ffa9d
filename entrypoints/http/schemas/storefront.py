"""What a shopper's browser sends to pay an order, and what it gets back."""

from __future__ import annotations

from typing import Annotated

import msgspec

from application.use_cases.create_payment_intent import PaymentIntentCreated
from domain.fees import FeeBreakdown
from entrypoints.http.schemas.common import SINGLE_LINE, Amount, CurrencyCode, Email, Metadata
from entrypoints.http.schemas.customer_sessions import CustomerSessionToken

OrderId = Annotated[
    str, msgspec.Meta(min_length=1, max_length=100, pattern=SINGLE_LINE, examples=["ord_01J..."])
]


class CreateIntentBody(msgspec.Struct, forbid_unknown_fields=True):
    order_id: OrderId
    amount: Amount
    customer_email: (
        Annotated[
            Email,
            msgspec.Meta(
                description=(
                    "Checked against the order's when given (422 customer_mismatch); the order's "
                    "own is used otherwise."
                )
            ),
        ]
        | None
    ) = None
    currency: CurrencyCode | None = None
    metadata: Metadata = msgspec.field(default_factory=dict)
    save_payment_method: Annotated[
        bool,
        msgspec.Meta(
            description=(
                "Save the card to the shopper's customer once paid: needs `customer_session` "
                "(422 customer_session_required)."
            )
        ),
    ] = False
    customer_session: CustomerSessionToken | None = None


class PaymentIntentOut(msgspec.Struct, omit_defaults=True):
    payment_intent_id: str
    client_secret: str
    payment_id: str
    status: str
    amount_total: int
    amount_store: int
    platform_fee: int
    currency: str
    amount_total_display: str
    amount_store_display: str
    platform_fee_display: str
    gateway: str
    publishable_key: str | None = None


class FeePreviewOut(msgspec.Struct):
    amount_total: int
    amount_store: int
    platform_fee: int
    currency: str
    amount_total_display: str
    amount_store_display: str
    platform_fee_display: str


def payment_intent_out(created: PaymentIntentCreated) -> PaymentIntentOut:
    breakdown = created.breakdown
    return PaymentIntentOut(
        payment_intent_id=created.intent.id,
        client_secret=created.intent.client_secret,
        payment_id=created.payment.id,
        status=created.payment.status.value,
        amount_total=breakdown.total.minor_units,
        amount_store=breakdown.store_amount.minor_units,
        platform_fee=breakdown.platform_fee.minor_units,
        currency=breakdown.total.currency.code,
        amount_total_display=breakdown.total.format(),
        amount_store_display=breakdown.store_amount.format(),
        platform_fee_display=breakdown.platform_fee.format(),
        gateway=created.gateway,
        publishable_key=created.publishable_key,
    )


def fee_preview_out(breakdown: FeeBreakdown) -> FeePreviewOut:
    return FeePreviewOut(
        amount_total=breakdown.total.minor_units,
        amount_store=breakdown.store_amount.minor_units,
        platform_fee=breakdown.platform_fee.minor_units,
        currency=breakdown.total.currency.code,
        amount_total_display=breakdown.total.format(),
        amount_store_display=breakdown.store_amount.format(),
        platform_fee_display=breakdown.platform_fee.format(),
    )
