from collections.abc import Callable
from dataclasses import dataclass

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from domain.currency import Currency
from domain.money import Money
from domain.payout import PayoutInterval, PayoutSchedule, PayoutSettings, Weekday

from .outcome import Outcome
from .wording import money, phrase

scenarios("payout_settings.feature")


@dataclass
class Payouts:
    """A store's payout settings, and the ones it started with."""

    settings: PayoutSettings | None = None
    initial: PayoutSettings | None = None

    def current(self) -> PayoutSettings:
        assert self.settings is not None, "the store has no payout settings"
        return self.settings

    def change(self, outcome: Outcome, change: Callable[[PayoutSettings], PayoutSettings]) -> None:
        changed = outcome.attempt(lambda: change(self.current()))
        if changed is not None:
            self.settings = changed


def schedule(
    interval: str, *, weekday: str | None = None, day_of_month: int | None = None
) -> PayoutSchedule:
    return PayoutSchedule(
        PayoutSchedule.parse(interval).interval,
        weekly_anchor=None if weekday is None else Weekday(weekday.lower()),
        monthly_anchor=day_of_month,
    )


def describe(schedule: PayoutSchedule) -> str:
    if schedule.interval is PayoutInterval.WEEKLY:
        assert schedule.weekly_anchor is not None
        return f"weekly on {schedule.weekly_anchor.title()}"
    if schedule.interval is PayoutInterval.MONTHLY:
        return f"monthly on day {schedule.monthly_anchor}"
    if schedule.interval is PayoutInterval.MANUAL:
        return "made only when the store asks"
    return schedule.interval.value


@pytest.fixture
def payouts() -> Payouts:
    return Payouts()


@given(phrase("a store paid out in {currency}"))
def _(payouts: Payouts, currency: str) -> None:
    payouts.settings = payouts.initial = PayoutSettings.default(Currency.of(currency))


@when(parsers.re(r"the store chooses (?P<interval>\S+) payouts"))
def _(payouts: Payouts, outcome: Outcome, interval: str) -> None:
    payouts.change(outcome, lambda settings: settings.changed(schedule=schedule(interval)))


@when(parsers.re(r"the store chooses (?P<interval>\S+) payouts on (?P<weekday>[A-Z][a-z]+day)"))
def _(payouts: Payouts, outcome: Outcome, interval: str, weekday: str) -> None:
    payouts.change(
        outcome, lambda settings: settings.changed(schedule=schedule(interval, weekday=weekday))
    )


@when(phrase("the store chooses {interval} payouts on day {day:Number}"))
def _(payouts: Payouts, outcome: Outcome, interval: str, day: int) -> None:
    payouts.change(
        outcome, lambda settings: settings.changed(schedule=schedule(interval, day_of_month=day))
    )


@when(phrase("the store sets a minimum payout of {minimum}"))
def _(payouts: Payouts, outcome: Outcome, minimum: str) -> None:
    payouts.change(outcome, lambda settings: settings.changed(minimum_payout=money(minimum)))


@then(phrase("payouts are {paid}"))
def _(payouts: Payouts, paid: str) -> None:
    assert describe(payouts.current().schedule) == paid


@then(phrase("the minimum payout is {minimum:Money}"))
def _(payouts: Payouts, minimum: Money) -> None:
    assert payouts.current().minimum_payout == minimum


@then("the payout settings have not changed")
def _(payouts: Payouts) -> None:
    assert payouts.settings == payouts.initial
