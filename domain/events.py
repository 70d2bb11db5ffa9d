"""Domain events: what happened, recorded by aggregates in the transaction that changed them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.money import Money


@dataclass(frozen=True, slots=True)
class DomainEvent:
    occurred_at: datetime
    store_id: str  # every event happens to one store's payments or account


@dataclass(frozen=True, slots=True)
class PaymentStatusChanged(DomainEvent):
    payment_id: str
    order_id: str
    previous: str
    current: str


@dataclass(frozen=True, slots=True)
class PaymentSucceeded(DomainEvent):
    payment_id: str
    order_id: str
    amount: Money
    platform_fee: Money


@dataclass(frozen=True, slots=True)
class PaymentFailed(DomainEvent):
    payment_id: str
    order_id: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class RefundRequested(DomainEvent):
    payment_id: str
    refund_id: str
    amount: Money
    platform_fee_refunded: Money


@dataclass(frozen=True, slots=True)
class RefundStatusChanged(DomainEvent):
    payment_id: str
    refund_id: str
    previous: str
    current: str


@dataclass(frozen=True, slots=True)
class DisputeStatusChanged(DomainEvent):
    payment_id: str
    dispute_id: str
    amount: Money
    previous: str | None
    current: str


@dataclass(frozen=True, slots=True)
class AccountStatusChanged(DomainEvent):
    account_id: str
    previous: str
    current: str
