from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from domain.currency import Currency
from domain.errors import (
    AmountTooLarge,
    AmountTooSmall,
    CurrencyMismatch,
    InvalidAmount,
    InvalidRate,
    UnknownCurrency,
)
from domain.money import Money, Rounding, round_ratio

EUR = Currency.of("EUR")
USD = Currency.of("USD")
JPY = Currency.of("JPY")
KWD = Currency.of("KWD")
ISK = Currency.of("ISK")


# -- construction --------------------------------------------------------------------------------


def test_money_is_a_whole_number_of_minor_units_in_a_currency() -> None:
    amount = Money(1999, EUR)

    assert amount.minor_units == 1999
    assert amount.currency is EUR
    assert Money.of(1999, "eur") == amount
    assert Money.zero("EUR") == Money(0, EUR)


@pytest.mark.parametrize("units", [1.5, 2.0, True, False, Decimal("1"), Fraction(1), "1", None])
def test_anything_but_an_int_is_refused_as_minor_units(units: object) -> None:
    with pytest.raises(InvalidAmount, match="whole number of minor units") as raised:
        Money(units, EUR)  # type: ignore[arg-type]

    assert raised.value.code == "invalid_amount"


def test_money_needs_a_currency_object() -> None:
    with pytest.raises(TypeError, match="Currency"):
        Money(100, "EUR")  # type: ignore[arg-type]


def test_an_unknown_currency_is_refused_by_the_constructors() -> None:
    with pytest.raises(UnknownCurrency):
        Money.of(100, "XXX")
    with pytest.raises(UnknownCurrency):
        Money.parse("1.00", "XXX")


# -- parse ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "minor_units"),
    [
        ("19.99", "EUR", 1999),
        ("19.9", "EUR", 1990),
        ("19", "EUR", 1900),
        ("0.05", "EUR", 5),
        ("0", "EUR", 0),
        ("-3.10", "EUR", -310),
        ("-0.05", "EUR", -5),
        ("1000", "JPY", 1000),
        ("-1000", "JPY", -1000),
        ("1.5", "KWD", 1500),
        ("1.500", "KWD", 1500),
        ("0.001", "KWD", 1),
        ("150", "ISK", 15000),
        ("999999.99", "EUR", 99_999_999),
        ("007.50", "eur", 750),
    ],
)
def test_parse_reads_major_units(text: str, currency: str, minor_units: int) -> None:
    assert Money.parse(text, currency) == Money.of(minor_units, currency)


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("19.999", "EUR"),
        ("0.001", "EUR"),
        ("1.5", "JPY"),
        ("1.0", "JPY"),
        ("1.5000", "KWD"),
        ("1e3", "EUR"),
        ("1E+2", "EUR"),
        ("NaN", "EUR"),
        ("nan", "EUR"),
        ("Infinity", "EUR"),
        ("-Infinity", "EUR"),
        ("inf", "EUR"),
        (" 1.00", "EUR"),
        ("1.00 ", "EUR"),
        ("1.00\n", "EUR"),
        ("1,00", "EUR"),
        ("1 000", "EUR"),
        ("1_000", "EUR"),
        ("+1", "EUR"),
        ("--1", "EUR"),
        ("-", "EUR"),
        ("1.", "EUR"),
        (".5", "EUR"),
        ("1.2.3", "EUR"),
        ("0x10", "EUR"),
        ("١٢", "EUR"),
        ("\uff11\uff12", "EUR"),
        ("", "EUR"),
        ("1234567890123456789", "JPY"),
    ],
)
def test_parse_refuses_anything_but_a_plain_exact_decimal(text: str, currency: str) -> None:
    with pytest.raises(InvalidAmount) as raised:
        Money.parse(text, currency)

    assert raised.value.code == "invalid_amount"


def test_parse_names_the_decimal_places_the_currency_allows() -> None:
    with pytest.raises(InvalidAmount, match=r"more decimal places than EUR allows \(2\)"):
        Money.parse("19.999", "EUR")


@pytest.mark.parametrize("value", [19.99, 1999, Decimal("19.99"), None, b"19.99"])
def test_parse_refuses_what_is_not_a_string(value: object) -> None:
    with pytest.raises(InvalidAmount, match="decimal string"):
        Money.parse(value, "EUR")  # type: ignore[arg-type]


# -- from_decimal / to_decimal -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "minor_units"),
    [
        (Decimal("19.99"), "EUR", 1999),
        (Decimal("19.9"), "EUR", 1990),
        (Decimal("-0.05"), "EUR", -5),
        (Decimal("1E+2"), "EUR", 10000),
        (Decimal("1000"), "JPY", 1000),
        (Decimal("1.5"), "KWD", 1500),
        (Decimal("0"), "KWD", 0),
    ],
)
def test_from_decimal_is_exact(value: Decimal, currency: str, minor_units: int) -> None:
    assert Money.from_decimal(value, currency) == Money.of(minor_units, currency)


@pytest.mark.parametrize(
    ("value", "currency"),
    [
        (Decimal("19.999"), "EUR"),
        (Decimal("1.0"), "JPY"),
        (Decimal("0.0001"), "KWD"),
        (Decimal("NaN"), "EUR"),
        (Decimal("sNaN"), "EUR"),
        (Decimal("Infinity"), "EUR"),
        (Decimal("-Infinity"), "EUR"),
    ],
)
def test_from_decimal_refuses_inexact_and_non_finite_values(value: Decimal, currency: str) -> None:
    with pytest.raises(InvalidAmount):
        Money.from_decimal(value, currency)


@pytest.mark.parametrize("value", [19.99, "19.99", 1999])
def test_from_decimal_refuses_other_types(value: object) -> None:
    with pytest.raises(InvalidAmount, match="expected a Decimal"):
        Money.from_decimal(value, "EUR")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("minor_units", "currency", "text"),
    [(1999, "EUR", "19.99"), (1000, "JPY", "1000"), (1500, "KWD", "1.500"), (-5, "EUR", "-0.05")],
)
def test_to_decimal_gives_major_units_with_the_currency_places(
    minor_units: int, currency: str, text: str
) -> None:
    value = Money.of(minor_units, currency).to_decimal()

    assert str(value) == text
    assert value == Decimal(text)


# -- format --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minor_units", "currency", "text"),
    [
        (1999, "EUR", "EUR 19.99"),
        (5, "EUR", "EUR 0.05"),
        (0, "EUR", "EUR 0.00"),
        (-5, "EUR", "EUR -0.05"),
        (-1999, "EUR", "EUR -19.99"),
        (123456789, "EUR", "EUR 1234567.89"),
        (1000, "JPY", "JPY 1000"),
        (-1000, "JPY", "JPY -1000"),
        (0, "JPY", "JPY 0"),
        (1500, "KWD", "KWD 1.500"),
        (-1, "KWD", "KWD -0.001"),
        (15000, "ISK", "ISK 150.00"),
    ],
)
def test_format_writes_code_and_major_units(minor_units: int, currency: str, text: str) -> None:
    amount = Money.of(minor_units, currency)

    assert amount.format() == text
    assert str(amount) == text
    assert repr(amount) == f"Money({text!r})"


# -- arithmetic and comparison -------------------------------------------------------------------


def test_add_subtract_negate_and_absolute_value() -> None:
    a, b = Money(1999, EUR), Money(501, EUR)

    assert a + b == Money(2500, EUR)
    assert a - b == Money(1498, EUR)
    assert b - a == Money(-1498, EUR)
    assert -a == Money(-1999, EUR)
    assert abs(Money(-5, EUR)) == Money(5, EUR)


def test_compare_in_one_currency() -> None:
    small, large = Money(100, EUR), Money(200, EUR)

    assert small < large
    assert small <= large
    assert small <= Money(100, EUR)
    assert large > small
    assert large >= small
    assert large >= Money(200, EUR)
    assert not small > large
    assert not large < small
    assert small.min(large) == small
    assert small.max(large) == large


def test_sign_predicates() -> None:
    assert Money(0, EUR).is_zero
    assert not Money(0, EUR).is_positive
    assert not Money(0, EUR).is_negative
    assert Money(1, EUR).is_positive
    assert Money(-1, EUR).is_negative
    assert not Money(-1, EUR).is_zero


def test_amounts_in_different_currencies_are_never_equal() -> None:
    assert Money(100, EUR) != Money(100, USD)
    assert Money(100, EUR) == Money(100, Currency.of("eur"))
    assert len({Money(100, EUR), Money(100, USD), Money(100, EUR)}) == 2


@pytest.mark.parametrize(
    "operation",
    [
        operator.add,
        operator.sub,
        operator.lt,
        operator.le,
        operator.gt,
        operator.ge,
        Money.min,
        Money.max,
    ],
)
def test_mixing_currencies_raises(operation: Callable[[Money, Money], Any]) -> None:
    with pytest.raises(CurrencyMismatch, match="EUR and USD") as raised:
        operation(Money(100, EUR), Money(100, USD))

    assert raised.value.code == "currency_mismatch"


@pytest.mark.parametrize("operation", [operator.add, operator.sub, operator.lt, operator.ge])
def test_money_does_not_mix_with_plain_numbers(operation: Callable[[Any, Any], Any]) -> None:
    with pytest.raises(TypeError):
        operation(Money(100, EUR), 100)


# -- multiply, scale and rounding ----------------------------------------------------------------

TIE_CASES = {
    # 1005 x 0.5 = 502.5, 1015 x 0.5 = 507.5, 1999 x 0.025 = 49.975
    Rounding.HALF_UP: (503, -503, 508, -508, 50, -50),
    Rounding.HALF_DOWN: (502, -502, 507, -507, 50, -50),
    Rounding.HALF_EVEN: (502, -502, 508, -508, 50, -50),
    Rounding.UP: (503, -503, 508, -508, 50, -50),
    Rounding.DOWN: (502, -502, 507, -507, 49, -49),
    Rounding.CEILING: (503, -502, 508, -507, 50, -49),
    Rounding.FLOOR: (502, -503, 507, -508, 49, -50),
}


@pytest.mark.parametrize(("rounding", "expected"), TIE_CASES.items(), ids=lambda r: str(r))
def test_multiply_rounds_as_named(rounding: Rounding, expected: tuple[int, ...]) -> None:
    half, quarter = Decimal("0.5"), Decimal("0.025")
    results = (
        Money(1005, EUR).multiply(half, rounding),
        Money(-1005, EUR).multiply(half, rounding),
        Money(1015, EUR).multiply(half, rounding),
        Money(-1015, EUR).multiply(half, rounding),
        Money(1999, EUR).multiply(quarter, rounding),
        Money(-1999, EUR).multiply(quarter, rounding),
    )

    assert tuple(r.minor_units for r in results) == expected
    assert all(r.currency is EUR for r in results)


def test_multiply_by_an_int_or_an_exact_decimal() -> None:
    assert Money(333, EUR).multiply(3, Rounding.DOWN) == Money(999, EUR)
    assert Money(333, EUR).multiply(-1, Rounding.DOWN) == Money(-333, EUR)
    assert Money(1000, EUR).multiply(Decimal("1.19"), Rounding.HALF_EVEN) == Money(1190, EUR)
    assert Money(1999, EUR).multiply(Decimal("0"), Rounding.UP) == Money(0, EUR)


@pytest.mark.parametrize(
    "rate",
    [0.5, 1.0, True, "0.5", Fraction(1, 2), None, Decimal("NaN"), Decimal("Infinity")],
    ids=repr,
)
def test_multiply_refuses_anything_but_a_finite_decimal_or_int(rate: object) -> None:
    with pytest.raises(InvalidRate) as raised:
        Money(1000, EUR).multiply(rate, Rounding.HALF_UP)  # type: ignore[arg-type]

    assert raised.value.code == "invalid_rate"


@pytest.mark.parametrize(
    ("minor_units", "currency", "step", "rounding", "expected"),
    [
        (1234, KWD, 10, Rounding.HALF_UP, 1230),
        (1235, KWD, 10, Rounding.HALF_UP, 1240),
        (1235, KWD, 10, Rounding.HALF_DOWN, 1230),
        (1235, KWD, 10, Rounding.HALF_EVEN, 1240),
        (1245, KWD, 10, Rounding.HALF_EVEN, 1240),
        (1231, KWD, 10, Rounding.UP, 1240),
        (-1231, KWD, 10, Rounding.UP, -1240),
        (-1239, KWD, 10, Rounding.CEILING, -1230),
        (15050, ISK, 100, Rounding.HALF_UP, 15100),
        (15050, ISK, 100, Rounding.DOWN, 15000),
        (-15050, ISK, 100, Rounding.FLOOR, -15100),
    ],
)
def test_multiply_rounds_to_a_step(
    minor_units: int, currency: Currency, step: int, rounding: Rounding, expected: int
) -> None:
    result = Money(minor_units, currency).multiply(1, rounding, step=step)

    assert result == Money(expected, currency)


def test_a_step_of_a_fraction_of_the_amount() -> None:
    kwd = Money(10010, KWD)

    assert kwd.multiply(Decimal("0.025"), Rounding.HALF_UP, step=10) == Money(250, KWD)
    assert kwd.scale(Fraction(1, 40), Rounding.UP, step=10) == Money(260, KWD)


@pytest.mark.parametrize("step", [0, -10])
def test_a_step_is_positive(step: int) -> None:
    with pytest.raises(ValueError, match="step"):
        Money(100, KWD).multiply(1, Rounding.HALF_UP, step=step)


def test_scale_by_an_exact_fraction() -> None:
    assert Money(100, EUR).scale(Fraction(1, 3), Rounding.HALF_UP) == Money(33, EUR)
    assert Money(100, EUR).scale(Fraction(2, 3), Rounding.HALF_UP) == Money(67, EUR)
    assert Money(100, EUR).scale(Fraction(2, 3), Rounding.DOWN) == Money(66, EUR)
    assert Money(-100, EUR).scale(Fraction(2, 3), Rounding.FLOOR) == Money(-67, EUR)


@pytest.mark.parametrize(
    ("rounding", "five_halves", "minus_five_halves", "seven_thirds", "minus_seven_thirds"),
    [
        (Rounding.HALF_UP, 3, -3, 2, -2),
        (Rounding.HALF_DOWN, 2, -2, 2, -2),
        (Rounding.HALF_EVEN, 2, -2, 2, -2),
        (Rounding.UP, 3, -3, 3, -3),
        (Rounding.DOWN, 2, -2, 2, -2),
        (Rounding.CEILING, 3, -2, 3, -2),
        (Rounding.FLOOR, 2, -3, 2, -3),
    ],
)
def test_round_ratio(
    rounding: Rounding,
    five_halves: int,
    minus_five_halves: int,
    seven_thirds: int,
    minus_seven_thirds: int,
) -> None:
    assert round_ratio(5, 2, rounding) == five_halves
    assert round_ratio(-5, 2, rounding) == minus_five_halves
    assert round_ratio(5, -2, rounding) == minus_five_halves
    assert round_ratio(-5, -2, rounding) == five_halves
    assert round_ratio(7, 3, rounding) == seven_thirds
    assert round_ratio(-7, 3, rounding) == minus_seven_thirds
    assert round_ratio(6, 3, rounding) == 2
    assert round_ratio(0, 7, rounding) == 0


def test_round_ratio_half_even_goes_to_the_even_neighbour() -> None:
    halves = [round_ratio(n, 2, Rounding.HALF_EVEN) for n in (1, 3, 5, 7, -1, -3)]

    assert halves == [0, 2, 2, 4, 0, -2]


def test_round_ratio_refuses_a_zero_denominator() -> None:
    with pytest.raises(ZeroDivisionError):
        round_ratio(1, 0, Rounding.HALF_UP)


# -- allocate ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minor_units", "ratios", "parts"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (100, [1, 1], [50, 50]),
        (5, [1, 1, 1], [2, 2, 1]),
        (1, [1, 1, 1], [1, 0, 0]),
        (10, [1, 1, 1, 1], [3, 3, 2, 2]),
        (100, [3, 7, 1], [27, 64, 9]),
        (100, [1, 3], [25, 75]),
        (100, [0, 1, 0, 2], [0, 33, 0, 67]),
        (2, [0, 1, 1, 1], [0, 1, 1, 0]),
        (0, [1, 2], [0, 0]),
        (100, [5], [100]),
        (-100, [1, 1, 1], [-34, -33, -33]),
        (-5, [1, 1, 1], [-2, -2, -1]),
        (-100, [3, 7, 1], [-27, -64, -9]),
    ],
)
def test_allocate_splits_by_the_largest_remainder(
    minor_units: int, ratios: list[int], parts: list[int]
) -> None:
    result = Money(minor_units, JPY).allocate(ratios)

    assert result == [Money(part, JPY) for part in parts]
    assert sum(part.minor_units for part in result) == minor_units


@pytest.mark.parametrize(
    "ratios",
    [[], [0], [0, 0], [-1, 2], [1.5, 1], [True, 1], ["1", 1], [None]],
    ids=repr,
)
def test_allocate_refuses_invalid_ratios(ratios: list[Any]) -> None:
    with pytest.raises(ValueError, match="ratio"):
        Money(100, EUR).allocate(ratios)


# -- what the gateway accepts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minor_units", "currency"),
    [
        (50, EUR),
        (99_999_999, EUR),
        (50, JPY),
        (10, KWD),
        (1510, KWD),
        (99_999_990, KWD),
        (100, ISK),
        (17500, Currency.of("HUF")),
        (1, Currency.of("CLP")),
    ],
)
def test_chargeable_amounts(minor_units: int, currency: Currency) -> None:
    Money(minor_units, currency).check_chargeable()
    Money(minor_units, currency).check_transferable()


@pytest.mark.parametrize(
    ("minor_units", "currency", "error", "code"),
    [
        (0, EUR, InvalidAmount, "invalid_amount"),
        (-100, EUR, InvalidAmount, "invalid_amount"),
        (49, EUR, AmountTooSmall, "amount_too_small"),
        (49, JPY, AmountTooSmall, "amount_too_small"),
        (17499, Currency.of("HUF"), AmountTooSmall, "amount_too_small"),
        (100_000_000, EUR, AmountTooLarge, "amount_too_large"),
        (100_000_000, KWD, AmountTooLarge, "amount_too_large"),
        (1505, KWD, InvalidAmount, "invalid_amount"),
        (5, KWD, InvalidAmount, "invalid_amount"),
        (99_999_999, KWD, InvalidAmount, "invalid_amount"),
        (15050, ISK, InvalidAmount, "invalid_amount"),
        (50, ISK, InvalidAmount, "invalid_amount"),
    ],
)
def test_amounts_the_gateway_cannot_charge(
    minor_units: int, currency: Currency, error: type[InvalidAmount], code: str
) -> None:
    with pytest.raises(error) as raised:
        Money(minor_units, currency).check_chargeable()

    assert raised.value.code == code


@pytest.mark.parametrize(
    ("minor_units", "currency"), [(1, EUR), (49, EUR), (1, JPY), (10, KWD), (100, ISK)]
)
def test_transferable_amounts_may_be_below_the_minimum_charge(
    minor_units: int, currency: Currency
) -> None:
    Money(minor_units, currency).check_transferable()


@pytest.mark.parametrize(
    ("minor_units", "currency", "error"),
    [
        (0, EUR, InvalidAmount),
        (-1, EUR, InvalidAmount),
        (100_000_000, JPY, AmountTooLarge),
        (15, KWD, InvalidAmount),
        (150, ISK, InvalidAmount),
    ],
)
def test_amounts_the_gateway_cannot_move(
    minor_units: int, currency: Currency, error: type[InvalidAmount]
) -> None:
    with pytest.raises(error):
        Money(minor_units, currency).check_transferable()


def test_the_step_error_names_the_step() -> None:
    with pytest.raises(InvalidAmount, match=r"KWD amounts must be multiples of KWD 0\.010"):
        Money(1505, KWD).check_chargeable()
    with pytest.raises(InvalidAmount, match=r"ISK amounts must be multiples of ISK 1\.00"):
        Money(15050, ISK).check_chargeable()
