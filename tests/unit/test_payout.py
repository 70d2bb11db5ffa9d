from __future__ import annotations

import pytest

from domain.currency import Currency
from domain.errors import InvalidPayoutSettings
from domain.money import Money
from domain.payout import PayoutInterval, PayoutSchedule, PayoutSettings, Weekday

from .conftest import money

EUR = Currency.of("EUR")


def test_weekly_pays_on_monday_unless_said() -> None:
    assert PayoutSchedule(PayoutInterval.WEEKLY) == PayoutSchedule(
        PayoutInterval.WEEKLY, weekly_anchor=Weekday.MONDAY
    )
    assert PayoutSchedule(PayoutInterval.WEEKLY, Weekday.FRIDAY).weekly_anchor is Weekday.FRIDAY


def test_monthly_pays_on_the_first_unless_said() -> None:
    assert PayoutSchedule(PayoutInterval.MONTHLY).monthly_anchor == 1
    assert PayoutSchedule(PayoutInterval.MONTHLY, monthly_anchor=31).monthly_anchor == 31
    assert PayoutSchedule(PayoutInterval.MONTHLY).weekly_anchor is None


@pytest.mark.parametrize("interval", [PayoutInterval.DAILY, PayoutInterval.MANUAL])
def test_daily_and_manual_have_no_anchor(interval: PayoutInterval) -> None:
    schedule = PayoutSchedule(interval)

    assert schedule.weekly_anchor is None
    assert schedule.monthly_anchor is None


@pytest.mark.parametrize("day", [0, 32, -1, True])
def test_a_monthly_day_is_between_1_and_31(day: int) -> None:
    with pytest.raises(InvalidPayoutSettings, match="between 1 and 31") as raised:
        PayoutSchedule(PayoutInterval.MONTHLY, monthly_anchor=day)

    assert raised.value.code == "invalid_payout_settings"


@pytest.mark.parametrize(
    ("interval", "weekly_anchor", "monthly_anchor"),
    [
        (PayoutInterval.DAILY, Weekday.MONDAY, None),
        (PayoutInterval.MANUAL, Weekday.MONDAY, None),
        (PayoutInterval.MONTHLY, Weekday.MONDAY, None),
        (PayoutInterval.DAILY, None, 1),
        (PayoutInterval.WEEKLY, None, 1),
        (PayoutInterval.MANUAL, None, 15),
    ],
)
def test_an_anchor_belongs_to_its_interval(
    interval: PayoutInterval, weekly_anchor: Weekday | None, monthly_anchor: int | None
) -> None:
    with pytest.raises(InvalidPayoutSettings, match="only a"):
        PayoutSchedule(interval, weekly_anchor=weekly_anchor, monthly_anchor=monthly_anchor)


@pytest.mark.parametrize(
    ("text", "schedule"),
    [
        ("daily", PayoutSchedule(PayoutInterval.DAILY)),
        ("weekly", PayoutSchedule(PayoutInterval.WEEKLY, Weekday.MONDAY)),
        ("monthly", PayoutSchedule(PayoutInterval.MONTHLY, monthly_anchor=1)),
        ("manual", PayoutSchedule(PayoutInterval.MANUAL)),
    ],
)
def test_parse_a_schedule(text: str, schedule: PayoutSchedule) -> None:
    assert PayoutSchedule.parse(text) == schedule


@pytest.mark.parametrize("text", ["yearly", "Weekly", "", " daily", "instant"])
def test_parse_refuses_an_unknown_schedule(text: str) -> None:
    with pytest.raises(InvalidPayoutSettings, match="daily, weekly, monthly, manual"):
        PayoutSchedule.parse(text)


def test_the_default_settings_pay_weekly_whatever_the_amount() -> None:
    settings = PayoutSettings.default(Currency.of("JPY"))

    assert settings.schedule == PayoutSchedule(PayoutInterval.WEEKLY, Weekday.MONDAY)
    assert settings.minimum_payout == money("0", "JPY")


def test_a_negative_minimum_payout_is_refused() -> None:
    with pytest.raises(InvalidPayoutSettings, match="cannot be negative"):
        PayoutSettings(PayoutSchedule(PayoutInterval.DAILY), money("-0.01"))


@pytest.mark.parametrize(("code", "minor_units"), [("HUF", 150), ("TWD", 1), ("ISK", 50)])
def test_whole_unit_currencies_need_a_whole_minimum(code: str, minor_units: int) -> None:
    with pytest.raises(InvalidPayoutSettings, match=f"{code} payouts are made in multiples of"):
        PayoutSettings(PayoutSchedule(PayoutInterval.DAILY), Money.of(minor_units, code))


@pytest.mark.parametrize(
    ("code", "minor_units"), [("HUF", 200), ("TWD", 10000), ("EUR", 1), ("JPY", 1)]
)
def test_minimum_payouts_accepted(code: str, minor_units: int) -> None:
    minimum = Money.of(minor_units, code)

    assert PayoutSettings(PayoutSchedule(PayoutInterval.DAILY), minimum).minimum_payout == minimum


def test_changed_replaces_only_what_is_given() -> None:
    settings = PayoutSettings.default(EUR)
    monthly = PayoutSchedule(PayoutInterval.MONTHLY, monthly_anchor=15)

    assert settings.changed(schedule=monthly) == PayoutSettings(monthly, money("0.00"))
    assert settings.changed(minimum_payout=money("50.00")) == PayoutSettings(
        settings.schedule, money("50.00")
    )
    assert settings.changed() == settings


def test_changed_keeps_the_store_currency() -> None:
    settings = PayoutSettings.default(EUR)

    with pytest.raises(InvalidPayoutSettings, match="the minimum payout is in EUR"):
        settings.changed(minimum_payout=money("50.00", "USD"))


def test_changed_checks_the_new_minimum() -> None:
    settings = PayoutSettings.default(Currency.of("HUF"))

    with pytest.raises(InvalidPayoutSettings):
        settings.changed(minimum_payout=money("1.50", "HUF"))
    with pytest.raises(InvalidPayoutSettings):
        settings.changed(minimum_payout=money("-1.00", "HUF"))
