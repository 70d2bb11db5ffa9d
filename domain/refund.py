"""Refunds of a payment, as the store asks for them and as the gateway reports them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from domain.money import Money


class RefundStatus(enum.StrEnum):
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"
    FAILED = "failed"

    @property
    def holds_amount(self) -> bool:
        """Whether the refund counts against what is left to refund."""
        return self not in (RefundStatus.CANCELED, RefundStatus.FAILED)

    @property
    def rank(self) -> int:
        """Later stages outrank earlier ones, so reports can arrive in any order.

        A refund can fail after it succeeded (the shopper's bank returns it), so failure outranks
        success; cancellation happens only before success.
        """
        return _REFUND_RANKS[self]


_REFUND_RANKS = {
    RefundStatus.PENDING: 0,
    RefundStatus.REQUIRES_ACTION: 1,
    RefundStatus.SUCCEEDED: 2,
    RefundStatus.CANCELED: 3,
    RefundStatus.FAILED: 4,
}


class RefundReason(enum.StrEnum):
    REQUESTED_BY_CUSTOMER = "requested_by_customer"
    DUPLICATE = "duplicate"
    FRAUDULENT = "fraudulent"


@dataclass(slots=True)
class Refund:
    id: str
    amount: Money
    platform_fee_refunded: Money
    status: RefundStatus
    created_at: datetime
    reason: RefundReason | None = None
    gateway_refund_id: str | None = None
    failure_reason: str | None = None
    settled: bool = False  # whether the ledger holds its entries
    # A refund asked for here keeps the fee share it was given; one first reported by the gateway
    # (made at a dashboard) has its share derived from the payment's other takes, like a dispute.
    fee_share_fixed: bool = True

    @property
    def store_amount_refunded(self) -> Money:
        return self.amount - self.platform_fee_refunded

    @property
    def takes_back(self) -> bool:
        return self.status.holds_amount

    @property
    def first_seen_at(self) -> datetime:
        return self.created_at


@dataclass(frozen=True, slots=True)
class RefundObservation:
    """The gateway's report of a refund: ``refund_id`` is ours when the refund carries it."""

    gateway_refund_id: str
    amount: Money
    status: RefundStatus
    observed_at: datetime
    refund_id: str | None = None
    failure_reason: str | None = None
    reason: RefundReason | None = None
