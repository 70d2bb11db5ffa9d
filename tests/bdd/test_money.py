from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from pytest_bdd import parsers, scenarios, then, when

from domain.currency import Currency
from domain.money import Money, Rounding

from .outcome import Outcome
from .wording import code, money, phrase

scenarios("money.feature")


@dataclass
class Reckoning:
    """What the last calculation gave."""

    currency: Currency | None = None
    amount: Money | None = None
    parts: list[Money] = field(default_factory=list)

    def result(self) -> Money:
        assert self.amount is not None, "no amount was worked out"
        return self.amount


@pytest.fixture
def reckoning() -> Reckoning:
    return Reckoning()


def work_out(reckoning: Reckoning, outcome: Outcome, calculation: Callable[[], Money]) -> None:
    reckoning.amount = outcome.attempt(calculation)


@when(parsers.re(r'the currency "(?P<currency>[^"]*)" is looked up'))
def _(reckoning: Reckoning, outcome: Outcome, currency: str) -> None:
    reckoning.currency = outcome.attempt(lambda: Currency.of(currency))


@then(phrase("its amounts have {decimals:Number} decimals"))
def _(reckoning: Reckoning, decimals: int) -> None:
    assert reckoning.currency is not None
    assert reckoning.currency.exponent == decimals


@then(phrase("its smallest amount is written {written}"))
def _(reckoning: Reckoning, written: str) -> None:
    assert reckoning.currency is not None
    assert Money.of(1, reckoning.currency).format() == written


@when(parsers.re(r'"(?P<text>[^"]*)" is entered as an amount in (?P<currency>\S+)'))
def _(reckoning: Reckoning, outcome: Outcome, text: str, currency: str) -> None:
    work_out(reckoning, outcome, lambda: Money.parse(text, currency))


@when(phrase("{number} is given as a floating-point number for an amount in {currency}"))
def _(reckoning: Reckoning, outcome: Outcome, number: str, currency: str) -> None:
    floating: Any = float(number)
    work_out(reckoning, outcome, lambda: Money.parse(floating, currency))


@when(phrase("{units:Number} of the smallest unit of {currency} is written out"))
def _(reckoning: Reckoning, units: int, currency: str) -> None:
    reckoning.amount = Money.of(units, currency)


@when(phrase("{first:Money} and {second:Money} are added"))
def _(reckoning: Reckoning, outcome: Outcome, first: Money, second: Money) -> None:
    work_out(reckoning, outcome, lambda: first + second)


@when(phrase("{second:Money} is subtracted from {first:Money}"))
def _(reckoning: Reckoning, outcome: Outcome, first: Money, second: Money) -> None:
    work_out(reckoning, outcome, lambda: first - second)


@when(phrase("{first:Money} is compared with {second:Money}"))
def _(outcome: Outcome, first: Money, second: Money) -> None:
    outcome.attempt(lambda: first < second)


@when(phrase("{amount:Money} is multiplied by {rate} rounding {rounding}"))
def _(reckoning: Reckoning, outcome: Outcome, amount: Money, rate: str, rounding: str) -> None:
    mode = Rounding[code(rounding).upper()]
    work_out(reckoning, outcome, lambda: amount.multiply(Decimal(rate), mode))


@when(phrase("{amount:Money} is split in the ratio {ratios}"))
def _(reckoning: Reckoning, amount: Money, ratios: str) -> None:
    reckoning.parts = amount.allocate([int(ratio) for ratio in ratios.split(":")])


@then(phrase("the amount is {written}"))
@then(phrase("the result is {written}"))
def _(reckoning: Reckoning, written: str) -> None:
    assert reckoning.result() == money(written)
    assert reckoning.result().format() == written


@then(phrase("it counts {units:Number} of the currency's smallest unit"))
def _(reckoning: Reckoning, units: int) -> None:
    assert reckoning.result().minor_units == units


@then(phrase('it reads "{written}"'))
def _(reckoning: Reckoning, written: str) -> None:
    assert reckoning.result().format() == written


@then(phrase('reading "{written}" back gives the same amount'))
def _(reckoning: Reckoning, written: str) -> None:
    assert money(written) == reckoning.result()


@then(phrase("the parts are {parts}"))
def _(reckoning: Reckoning, parts: str) -> None:
    assert [part.format() for part in reckoning.parts] == parts.split(", ")


@then(phrase("the parts add up to {total:Money}"))
def _(reckoning: Reckoning, total: Money) -> None:
    added = Money.zero(total.currency)
    for part in reckoning.parts:
        added += part
    assert added == total
