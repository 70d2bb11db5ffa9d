"""Amounts on the pages: the currency's symbol or code, grouped thousands, its own decimals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.currency import all_currencies
from domain.money import Money
from entrypoints.web.money import display


@pytest.mark.parametrize(
    ("minor_units", "currency", "shown"),
    [
        (4990, "EUR", "€49.90"),
        (5, "EUR", "€0.05"),
        (0, "EUR", "€0.00"),
        (123456789, "EUR", "€1,234,567.89"),
        (-125, "EUR", "-€1.25"),
        (1000, "JPY", "¥1,000"),
        (1500, "KWD", "KWD\u00a01.500"),
        (1, "BHD", "BHD\u00a00.001"),
        (1999, "USD", "$19.99"),
        (1999, "GBP", "£19.99"),
        (1999, "CHF", "CHF\u00a019.99"),
        (50000, "KRW", "₩50,000"),
    ],
)
def test_amounts_are_written_for_people(minor_units: int, currency: str, shown: str) -> None:
    assert display(Money.of(minor_units, currency)) == shown


@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from(all_currencies()),
)
def test_the_digits_are_exactly_the_minor_units(minor_units: int, currency: object) -> None:
    money = Money(minor_units, currency)  # type: ignore[arg-type]
    shown = display(money)
    digits = "".join(character for character in shown if character.isdigit())
    assert int(digits) == abs(minor_units)
    decimals = shown.rpartition(".")[2] if "." in shown else ""
    assert len(decimals) == money.currency.exponent
    assert shown.startswith("-") == (minor_units < 0)
