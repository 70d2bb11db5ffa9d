"""A store's payments and refunds on the wire."""

from __future__ import annotations

import msgspec

from domain.payment import Payment
from domain.refund import Refund, RefundReason
from entrypoints.http.schemas.common import Amount, display, timestamp


class RefundBody(msgspec.Struct, forbid_unknown_fields=True):
    amount: Amount | None = None
    reason: RefundReason | None = None


class RefundOut(msgspec.Struct):
    id: str
    payment_id: str
    amount: int
    amount_display: str
    currency: str
    status: str
    reason: str | None
    platform_fee_refunded: int
    store_amount_refunded: int
    failure_reason: str | None
    stripe_refund_id: str | None
    created_at: str | None


class PaymentOut(msgspec.Struct):
    id: str
    order_id: str
    status: str
    amount_total: int
    amount_store: int
    amount_platform_fee: int
    amount_refunded: int
    platform_fee_refunded: int
    amount_disputed: int
    amount_refundable: int
    currency: str
    amount_total_display: str
    amount_store_display: str
    amount_platform_fee_display: str
    amount_refunded_display: str
    stripe_payment_intent_id: str | None
    stripe_charge_id: str | None
    failure_reason: str | None
    paid_at: str | None
    created_at: str | None
    refunds: list[RefundOut]


class PaymentPageOut(msgspec.Struct):
    data: list[PaymentOut]
    has_more: bool


def refund_out(payment: Payment, refund: Refund) -> RefundOut:
    return RefundOut(
        id=refund.id,
        payment_id=payment.id,
        amount=refund.amount.minor_units,
        amount_display=display(refund.amount),
        currency=refund.amount.currency.code,
        status=refund.status.value,
        reason=None if refund.reason is None else refund.reason.value,
        platform_fee_refunded=refund.platform_fee_refunded.minor_units,
        store_amount_refunded=refund.store_amount_refunded.minor_units,
        failure_reason=refund.failure_reason,
        stripe_refund_id=refund.gateway_refund_id,
        created_at=timestamp(refund.created_at),
    )


def payment_out(payment: Payment) -> PaymentOut:
    return PaymentOut(
        id=payment.id,
        order_id=payment.order_id,
        status=payment.status.value,
        amount_total=payment.amount_total.minor_units,
        amount_store=payment.amount_store.minor_units,
        amount_platform_fee=payment.amount_platform_fee.minor_units,
        amount_refunded=payment.amount_refunded.minor_units,
        platform_fee_refunded=payment.platform_fee_refunded.minor_units,
        amount_disputed=payment.amount_disputed.minor_units,
        amount_refundable=payment.refundable_amount.minor_units,
        currency=payment.amount_total.currency.code,
        amount_total_display=display(payment.amount_total),
        amount_store_display=display(payment.amount_store),
        amount_platform_fee_display=display(payment.amount_platform_fee),
        amount_refunded_display=display(payment.amount_refunded),
        stripe_payment_intent_id=payment.payment_intent_id,
        stripe_charge_id=payment.charge_id,
        failure_reason=payment.failure_reason,
        paid_at=timestamp(payment.paid_at),
        created_at=timestamp(payment.created_at),
        refunds=[refund_out(payment, refund) for refund in payment.refunds],
    )
