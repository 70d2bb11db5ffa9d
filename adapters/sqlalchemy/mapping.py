"""Rows to aggregates and back, by hand.

The aggregates hold nested value objects (money, fee policies, snapshots), private lists of
pending events and ledger entries, and fields derived from others; explicit functions say exactly
what is stored and keep every SQLAlchemy concern out of the domain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from application.ports import IdempotencyRecord, InboxEvent, InboxStatus
from domain.account import AccountSnapshot, ConnectedAccount
from domain.currency import Currency
from domain.dispute import Dispute, DisputeStatus
from domain.fees import FeeBreakdown, FeePolicy, Percentage
from domain.ledger import EntryKind, LedgerEntry
from domain.money import Money, Rounding
from domain.order import Order, OrderPaymentStatus, OrderStatus
from domain.payment import IntentObservation, IntentState, Payment, PaymentStatus
from domain.payment_method import SavedPaymentMethod
from domain.payout import PayoutInterval, PayoutReport, PayoutSchedule, PayoutSettings, Weekday
from domain.refund import Refund, RefundReason, RefundStatus
from domain.store import PostalAddress, Store

Row = Mapping[Any, Any]
Values = dict[str, Any]

_ADDRESS = ("address_line1", "address_city", "address_postal_code")


def _money(minor_units: int, currency: str) -> Money:
    return Money(int(minor_units), Currency.of(currency))


# -- stores ----------------------------------------------------------------------------------


def store_values(store: Store) -> Values:
    policy, payouts = store.fee_policy, store.payout_settings
    address, payout = store.address, store.last_payout
    return {
        "id": store.id,
        "name": store.name,
        "business_email": store.business_email,
        "business_phone": store.business_phone,
        "country": store.country,
        "currency": store.currency.code,
        "created_at": store.created_at,
        "api_key_hash": store.api_key_hash,
        "fee_percentage": str(policy.percentage.value),
        "fee_currency": policy.currency.code,
        "fee_fixed_amount": policy.fixed_amount.minor_units,
        "fee_minimum": policy.minimum_fee.minor_units,
        "fee_maximum": None if policy.maximum_fee is None else policy.maximum_fee.minor_units,
        "fee_rounding": policy.rounding.value,
        "payout_interval": payouts.schedule.interval.value,
        "payout_weekly_anchor": (
            None if payouts.schedule.weekly_anchor is None else payouts.schedule.weekly_anchor.value
        ),
        "payout_monthly_anchor": payouts.schedule.monthly_anchor,
        "payout_currency": payouts.minimum_payout.currency.code,
        "payout_minimum": payouts.minimum_payout.minor_units,
        "address_line1": None if address is None else address.line1,
        "address_city": None if address is None else address.city,
        "address_postal_code": None if address is None else address.postal_code,
        "last_payout_id": None if payout is None else payout.payout_id,
        "last_payout_amount": None if payout is None else payout.amount.minor_units,
        "last_payout_currency": None if payout is None else payout.amount.currency.code,
        "last_payout_status": None if payout is None else payout.status,
        "last_payout_reported_at": None if payout is None else payout.reported_at,
        "last_payout_failure_code": None if payout is None else payout.failure_code,
    }


def account_values(account: ConnectedAccount) -> Values:
    snapshot = account.snapshot
    return {
        "store_id": account.store_id,
        "account_id": account.account_id,
        "created_at": account.created_at,
        "deauthorized_at": account.deauthorized_at,
        "snapshot_observed_at": None if snapshot is None else snapshot.observed_at,
        "charges_enabled": None if snapshot is None else snapshot.charges_enabled,
        "payouts_enabled": None if snapshot is None else snapshot.payouts_enabled,
        "details_submitted": None if snapshot is None else snapshot.details_submitted,
        "currently_due": None if snapshot is None else list(snapshot.currently_due),
        "past_due": None if snapshot is None else list(snapshot.past_due),
        "disabled_reason": None if snapshot is None else snapshot.disabled_reason,
    }


def account_from(row: Row) -> ConnectedAccount:
    snapshot = None
    if row["snapshot_observed_at"] is not None:
        snapshot = AccountSnapshot(
            charges_enabled=bool(row["charges_enabled"]),
            payouts_enabled=bool(row["payouts_enabled"]),
            details_submitted=bool(row["details_submitted"]),
            observed_at=row["snapshot_observed_at"],
            currently_due=tuple(row["currently_due"] or ()),
            past_due=tuple(row["past_due"] or ()),
            disabled_reason=row["disabled_reason"],
        )
    return ConnectedAccount(
        account_id=row["account_id"],
        store_id=row["store_id"],
        created_at=row["created_at"],
        snapshot=snapshot,
        deauthorized_at=row["deauthorized_at"],
    )


def store_from(row: Row, account: Row | None) -> Store:
    fee_currency = row["fee_currency"]
    maximum = row["fee_maximum"]
    weekly, monthly = row["payout_weekly_anchor"], row["payout_monthly_anchor"]
    address = None
    if any(row[part] is not None for part in _ADDRESS):
        address = PostalAddress(
            line1=row["address_line1"],
            city=row["address_city"],
            postal_code=row["address_postal_code"],
        )
    payout = None
    if row["last_payout_id"] is not None:
        payout = PayoutReport(
            payout_id=row["last_payout_id"],
            amount=_money(row["last_payout_amount"], row["last_payout_currency"]),
            status=row["last_payout_status"],
            reported_at=row["last_payout_reported_at"],
            failure_code=row["last_payout_failure_code"],
        )
    return Store(
        id=row["id"],
        name=row["name"],
        business_email=row["business_email"],
        country=row["country"],
        currency=Currency.of(row["currency"]),
        created_at=row["created_at"],
        api_key_hash=row["api_key_hash"],
        fee_policy=FeePolicy(
            percentage=Percentage(Decimal(row["fee_percentage"])),
            fixed_amount=_money(row["fee_fixed_amount"], fee_currency),
            minimum_fee=_money(row["fee_minimum"], fee_currency),
            maximum_fee=None if maximum is None else _money(maximum, fee_currency),
            rounding=Rounding(row["fee_rounding"]),
        ),
        payout_settings=PayoutSettings(
            schedule=PayoutSchedule(
                PayoutInterval(row["payout_interval"]),
                weekly_anchor=None if weekly is None else Weekday(weekly),
                monthly_anchor=None if monthly is None else int(monthly),
            ),
            minimum_payout=_money(row["payout_minimum"], row["payout_currency"]),
        ),
        business_phone=row["business_phone"],
        account=None if account is None else account_from(account),
        address=address,
        last_payout=payout,
    )


# -- orders ----------------------------------------------------------------------------------


def order_values(order: Order) -> Values:
    return {
        "id": order.id,
        "store_id": order.store_id,
        "reference": order.reference,
        "customer_email": order.customer_email,
        "amount": order.amount.minor_units,
        "currency": order.amount.currency.code,
        "created_at": order.created_at,
        "status": order.status.value,
        "payment_status": order.payment_status.value,
        "payment_id": order.payment_id,
        "payment_attempts": order.payment_attempts,
    }


def order_from(row: Row) -> Order:
    return Order(
        id=row["id"],
        store_id=row["store_id"],
        reference=row["reference"],
        customer_email=row["customer_email"],
        amount=_money(row["amount"], row["currency"]),
        created_at=row["created_at"],
        status=OrderStatus(row["status"]),
        payment_status=OrderPaymentStatus(row["payment_status"]),
        payment_id=row["payment_id"],
        payment_attempts=int(row["payment_attempts"]),
    )


# -- payments --------------------------------------------------------------------------------


def payment_values(payment: Payment) -> Values:
    intent = payment.latest_intent
    return {
        "id": payment.id,
        "store_id": payment.store_id,
        "order_id": payment.order_id,
        "amount_total": payment.amount_total.minor_units,
        "amount_platform_fee": payment.amount_platform_fee.minor_units,
        "amount_refunded": payment.amount_refunded.minor_units,
        "refund_count": len(payment.refunds),
        "dispute_count": len(payment.disputes),
        "currency": payment.amount_total.currency.code,
        "created_at": payment.created_at,
        "payment_intent_id": payment.payment_intent_id,
        "status": payment.status.value,
        "charge_id": payment.charge_id,
        "paid_at": payment.paid_at,
        "intent_state": None if intent is None else intent.state.value,
        "intent_observed_at": None if intent is None else intent.observed_at,
        "intent_charge_id": None if intent is None else intent.charge_id,
        "intent_failure_reason": None if intent is None else intent.failure_reason,
    }


def refund_values(payment: Payment) -> list[Values]:
    return [
        {
            "store_id": payment.store_id,
            "payment_id": payment.id,
            "id": refund.id,
            "position": position,
            "amount": refund.amount.minor_units,
            "platform_fee_refunded": refund.platform_fee_refunded.minor_units,
            "currency": refund.amount.currency.code,
            "status": refund.status.value,
            "created_at": refund.created_at,
            "reason": None if refund.reason is None else refund.reason.value,
            "gateway_refund_id": refund.gateway_refund_id,
            "failure_reason": refund.failure_reason,
            "settled": refund.settled,
            "fee_share_fixed": refund.fee_share_fixed,
        }
        for position, refund in enumerate(payment.refunds)
    ]


def dispute_values(payment: Payment) -> list[Values]:
    return [
        {
            "store_id": payment.store_id,
            "payment_id": payment.id,
            "id": dispute.id,
            "position": position,
            "amount": dispute.amount.minor_units,
            "platform_fee_returned": dispute.platform_fee_returned.minor_units,
            "currency": dispute.amount.currency.code,
            "status": dispute.status.value,
            "opened_at": dispute.opened_at,
            "reason": dispute.reason,
            "funds_withdrawn": dispute.funds_withdrawn,
        }
        for position, dispute in enumerate(payment.disputes)
    ]


def refund_from(row: Row) -> Refund:
    reason = row["reason"]
    return Refund(
        id=row["id"],
        amount=_money(row["amount"], row["currency"]),
        platform_fee_refunded=_money(row["platform_fee_refunded"], row["currency"]),
        status=RefundStatus(row["status"]),
        created_at=row["created_at"],
        reason=None if reason is None else RefundReason(reason),
        gateway_refund_id=row["gateway_refund_id"],
        failure_reason=row["failure_reason"],
        settled=bool(row["settled"]),
        fee_share_fixed=bool(row["fee_share_fixed"]),
    )


def dispute_from(row: Row) -> Dispute:
    return Dispute(
        id=row["id"],
        amount=_money(row["amount"], row["currency"]),
        status=DisputeStatus(row["status"]),
        opened_at=row["opened_at"],
        platform_fee_returned=_money(row["platform_fee_returned"], row["currency"]),
        reason=row["reason"],
        funds_withdrawn=bool(row["funds_withdrawn"]),
    )


def payment_from(row: Row, refunds: Sequence[Row], disputes: Sequence[Row]) -> Payment:
    """The payment as stored, with no events or ledger entries pending."""
    currency = row["currency"]
    intent = None
    if row["intent_state"] is not None:
        intent = IntentObservation(
            state=IntentState(row["intent_state"]),
            observed_at=row["intent_observed_at"],
            charge_id=row["intent_charge_id"],
            failure_reason=row["intent_failure_reason"],
        )
    return Payment(
        id=row["id"],
        store_id=row["store_id"],
        order_id=row["order_id"],
        breakdown=FeeBreakdown(
            total=_money(row["amount_total"], currency),
            platform_fee=_money(row["amount_platform_fee"], currency),
        ),
        created_at=row["created_at"],
        payment_intent_id=row["payment_intent_id"],
        status=PaymentStatus(row["status"]),
        latest_intent=intent,
        charge_id=row["charge_id"],
        paid_at=row["paid_at"],
        refunds=[refund_from(refund) for refund in refunds],
        disputes=[dispute_from(dispute) for dispute in disputes],
    )


# -- the rest --------------------------------------------------------------------------------


def payment_method_values(method: SavedPaymentMethod) -> Values:
    return {
        "id": method.id,
        "store_id": method.store_id,
        "customer_email": method.customer_email,
        "type": method.type,
        "created_at": method.created_at,
        "card_brand": method.card_brand,
        "card_last4": method.card_last4,
        "card_exp_month": method.card_exp_month,
        "card_exp_year": method.card_exp_year,
        "is_default": method.is_default,
    }


def payment_method_from(row: Row) -> SavedPaymentMethod:
    return SavedPaymentMethod(
        id=row["id"],
        store_id=row["store_id"],
        customer_email=row["customer_email"],
        type=row["type"],
        created_at=row["created_at"],
        card_brand=row["card_brand"],
        card_last4=row["card_last4"],
        card_exp_month=row["card_exp_month"],
        card_exp_year=row["card_exp_year"],
        is_default=bool(row["is_default"]),
    )


def event_values(event: InboxEvent) -> Values:
    return {
        "event_id": event.event_id,
        "type": event.type,
        "payload": event.payload,
        "connect": event.connect,
        "received_at": event.received_at,
        "status": event.status.value,
        "attempts": event.attempts,
        "last_error": event.last_error,
        "processed_at": event.processed_at,
    }


def event_from(row: Row) -> InboxEvent:
    return InboxEvent(
        event_id=row["event_id"],
        type=row["type"],
        payload=bytes(row["payload"]),
        connect=bool(row["connect"]),
        received_at=row["received_at"],
        status=InboxStatus(row["status"]),
        attempts=int(row["attempts"]),
        last_error=row["last_error"],
        processed_at=row["processed_at"],
    )


def entry_values(entry: LedgerEntry) -> Values:
    return {
        "store_id": entry.store_id,
        "payment_id": entry.payment_id,
        "kind": entry.kind.value,
        "amount": entry.amount.minor_units,
        "currency": entry.amount.currency.code,
        "reference": entry.reference,
        "occurred_at": entry.occurred_at,
    }


def entry_from(row: Row) -> LedgerEntry:
    return LedgerEntry(
        store_id=row["store_id"],
        payment_id=row["payment_id"],
        kind=EntryKind(row["kind"]),
        amount=_money(row["amount"], row["currency"]),
        reference=row["reference"],
        occurred_at=row["occurred_at"],
    )


def record_values(record: IdempotencyRecord) -> Values:
    return {
        "scope": record.scope,
        "key": record.key,
        "fingerprint": record.fingerprint,
        "result": record.result,
        "created_at": record.created_at,
    }


def record_from(row: Row) -> IdempotencyRecord:
    return IdempotencyRecord(
        scope=row["scope"],
        key=row["key"],
        fingerprint=row["fingerprint"],
        result=None if row["result"] is None else bytes(row["result"]),
        created_at=row["created_at"],
    )
