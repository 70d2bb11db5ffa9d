"""Disputes (chargebacks) a shopper's bank opens against a payment."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from domain.money import Money


class DisputeStatus(enum.StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"

    @property
    def holds_funds(self) -> bool:
        """Funds leave the store when a dispute opens and come back only if it is won."""
        return self is not DisputeStatus.WON

    @property
    def rank(self) -> int:
        """A closed dispute outranks an open one; should reports contradict, lost outranks won."""
        return _DISPUTE_RANKS[self]


_DISPUTE_RANKS = {DisputeStatus.OPEN: 0, DisputeStatus.WON: 1, DisputeStatus.LOST: 2}


@dataclass(slots=True)
class Dispute:
    id: str
    amount: Money
    status: DisputeStatus
    opened_at: datetime
    platform_fee_returned: Money  # the fee share given back with it, as the ledger holds it
    reason: str | None = None
    funds_withdrawn: bool = False  # whether the ledger holds the withdrawal

    @property
    def takes_back(self) -> bool:
        return self.status.holds_funds

    @property
    def first_seen_at(self) -> datetime:
        return self.opened_at


@dataclass(frozen=True, slots=True)
class DisputeObservation:
    dispute_id: str
    amount: Money
    status: DisputeStatus
    observed_at: datetime
    reason: str | None = None
