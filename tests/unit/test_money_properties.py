from __future__ import annotations

import decimal
import math
from decimal import Decimal
from fractions import Fraction
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.currency import Currency, all_currencies
from domain.money import Money, Rounding, round_ratio

from .conftest import DECIMAL_ROUNDING, roundings

currencies = st.sampled_from(all_currencies())
minor_units = st.integers(min_value=-(10**15), max_value=10**15)
ratios = st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=8).filter(any)
halves = st.integers(min_value=-2001, max_value=2001).map(lambda n: Decimal(n) / 2)
rates = halves | st.decimals(
    min_value=Decimal(-1000),
    max_value=Decimal(1000),
    allow_nan=False,
    allow_infinity=False,
    places=6,
)
steps = st.sampled_from([1, 10, 100, 1000])


def round_fraction(value: Fraction, rounding: Rounding) -> int:
    """An independent rounding of an exact fraction, from floor and ceiling."""
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    half = Fraction(1, 2)
    by_mode = {
        Rounding.FLOOR: math.floor(value),
        Rounding.CEILING: math.ceil(value),
        Rounding.DOWN: sign * math.floor(magnitude),
        Rounding.UP: sign * math.ceil(magnitude),
        Rounding.HALF_UP: sign * math.floor(magnitude + half),
        Rounding.HALF_DOWN: sign * math.ceil(magnitude - half),
        Rounding.HALF_EVEN: round(value),
    }
    return by_mode[rounding]


@settings(max_examples=300, deadline=None)
@given(amount=minor_units, ratios=ratios, currency=currencies)
def test_allocate_preserves_the_sum_and_stays_within_a_unit_of_each_share(
    amount: int, ratios: list[int], currency: Currency
) -> None:
    parts = Money(amount, currency).allocate(ratios)
    whole = sum(ratios)

    assert len(parts) == len(ratios)
    assert all(part.currency is currency for part in parts)
    assert sum(part.minor_units for part in parts) == amount
    for part, ratio in zip(parts, ratios, strict=True):
        exact = Fraction(amount * ratio, whole)
        assert abs(part.minor_units - exact) < 1
        if ratio == 0:
            assert part.is_zero
        if exact.denominator == 1:
            assert part.minor_units == exact
    for i, j in combinations(range(len(ratios)), 2):
        if ratios[i] == ratios[j]:
            assert abs(parts[j].minor_units) <= abs(parts[i].minor_units)


@settings(max_examples=200, deadline=None)
@given(amount=minor_units, ratios=ratios)
def test_allocate_of_a_negative_amount_mirrors_the_positive_one(
    amount: int, ratios: list[int]
) -> None:
    eur = Currency.of("EUR")

    positive = Money(amount, eur).allocate(ratios)
    negative = Money(-amount, eur).allocate(ratios)

    assert negative == [-part for part in positive]


@settings(max_examples=300, deadline=None)
@given(
    numerator=st.integers(min_value=-(10**18), max_value=10**18),
    denominator=st.integers(min_value=-(10**9), max_value=10**9).filter(bool),
    rounding=roundings,
)
def test_round_ratio_agrees_with_exact_fractions(
    numerator: int, denominator: int, rounding: Rounding
) -> None:
    expected = round_fraction(Fraction(numerator, denominator), rounding)

    assert round_ratio(numerator, denominator, rounding) == expected


@settings(max_examples=300, deadline=None)
@given(
    numerator=st.integers(min_value=-(10**12), max_value=10**12),
    exponent=st.integers(min_value=0, max_value=6),
    rounding=roundings,
)
def test_round_ratio_agrees_with_decimal_quantize(
    numerator: int, exponent: int, rounding: Rounding
) -> None:
    exact = Decimal(numerator).scaleb(-exponent)
    expected = exact.quantize(Decimal(1), rounding=DECIMAL_ROUNDING[rounding])

    assert round_ratio(numerator, 10**exponent, rounding) == int(expected)


@settings(max_examples=300, deadline=None)
@given(amount=minor_units, rate=rates, rounding=roundings, step=steps)
def test_multiply_agrees_with_decimal_quantize(
    amount: int, rate: Decimal, rounding: Rounding, step: int
) -> None:
    with decimal.localcontext() as context:
        context.prec = 60
        context.traps[decimal.Inexact] = True
        exact = Decimal(amount) * rate / step
        context.traps[decimal.Inexact] = False
        units = exact.quantize(Decimal(1), rounding=DECIMAL_ROUNDING[rounding])
    expected = int(units) * step

    result = Money(amount, Currency.of("KWD")).multiply(rate, rounding, step=step)

    assert result == Money(expected, Currency.of("KWD"))


@settings(max_examples=300, deadline=None)
@given(amount=minor_units, currency=currencies)
def test_format_parses_back_to_the_same_amount(amount: int, currency: Currency) -> None:
    original = Money(amount, currency)
    code, digits = original.format().split(" ")

    assert code == currency.code
    assert Money.parse(digits, code) == original
    assert Money.from_decimal(original.to_decimal(), currency) == original
    assert Decimal(digits) == original.to_decimal()


@settings(max_examples=200, deadline=None)
@given(a=minor_units, b=minor_units, currency=currencies)
def test_arithmetic_and_order_follow_the_minor_units(a: int, b: int, currency: Currency) -> None:
    x, y = Money(a, currency), Money(b, currency)

    assert (x + y).minor_units == a + b
    assert (x - y).minor_units == a - b
    assert x + y - y == x
    assert (x < y, x <= y, x > y, x >= y, x == y) == (a < b, a <= b, a > b, a >= b, a == b)
    assert x.min(y).minor_units == min(a, b)
    assert x.max(y).minor_units == max(a, b)
