"""When and how much a store's connected account pays out to the store's bank."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from domain.currency import Currency
from domain.errors import InvalidPayoutSettings
from domain.money import Money


class PayoutInterval(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    MANUAL = "manual"


class Weekday(enum.StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


@dataclass(frozen=True, slots=True)
class PayoutSchedule:
    """``weekly`` pays on ``weekly_anchor`` (Monday unless said), ``monthly`` on day
    ``monthly_anchor`` (1 unless said; 29-31 mean the month's last day in shorter months)."""

    interval: PayoutInterval
    weekly_anchor: Weekday | None = None
    monthly_anchor: int | None = None

    def __post_init__(self) -> None:
        if self.interval is PayoutInterval.WEEKLY:
            if self.weekly_anchor is None:
                object.__setattr__(self, "weekly_anchor", Weekday.MONDAY)
        elif self.weekly_anchor is not None:
            raise InvalidPayoutSettings("only a weekly schedule has a weekday")
        if self.interval is PayoutInterval.MONTHLY:
            if self.monthly_anchor is None:
                object.__setattr__(self, "monthly_anchor", 1)
            elif type(self.monthly_anchor) is not int or not 1 <= self.monthly_anchor <= 31:
                raise InvalidPayoutSettings("a monthly payout day is between 1 and 31")
        elif self.monthly_anchor is not None:
            raise InvalidPayoutSettings("only a monthly schedule has a day of the month")

    @classmethod
    def parse(cls, interval: str) -> PayoutSchedule:
        try:
            return cls(PayoutInterval(interval))
        except ValueError:
            choices = ", ".join(i.value for i in PayoutInterval)
            raise InvalidPayoutSettings(
                f"{interval!r} is not a payout schedule (choose {choices})"
            ) from None


@dataclass(frozen=True, slots=True)
class PayoutReport:
    """The gateway's report of a payout to the store's bank: ``paid`` or ``failed``."""

    payout_id: str
    amount: Money
    status: str
    reported_at: datetime
    failure_code: str | None = None

    def outranks(self, other: PayoutReport) -> bool:
        """The later report wins, whatever order reports arrive in."""
        return (self.reported_at, self.payout_id, self.status) > (
            other.reported_at,
            other.payout_id,
            other.status,
        )


@dataclass(frozen=True, slots=True)
class PayoutSettings:
    schedule: PayoutSchedule
    minimum_payout: Money

    def __post_init__(self) -> None:
        minimum = self.minimum_payout
        if minimum.is_negative:
            raise InvalidPayoutSettings(f"a minimum payout cannot be negative ({minimum})")
        if minimum.minor_units % minimum.currency.payout_step:
            raise InvalidPayoutSettings(
                f"{minimum.currency.code} payouts are made in multiples of "
                f"{Money(minimum.currency.payout_step, minimum.currency)}"
            )

    @classmethod
    def default(cls, currency: Currency) -> PayoutSettings:
        """A new store is paid weekly on Mondays, whatever the amount."""
        return cls(PayoutSchedule(PayoutInterval.WEEKLY), Money.zero(currency))

    def changed(
        self, *, schedule: PayoutSchedule | None = None, minimum_payout: Money | None = None
    ) -> PayoutSettings:
        minimum = self.minimum_payout if minimum_payout is None else minimum_payout
        if minimum.currency != self.minimum_payout.currency:
            raise InvalidPayoutSettings(
                f"the minimum payout is in {self.minimum_payout.currency.code}, "
                f"the store's currency"
            )
        return PayoutSettings(schedule or self.schedule, minimum)
