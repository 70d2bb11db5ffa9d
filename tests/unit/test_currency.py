from __future__ import annotations

import pytest

from domain.currency import (
    MAXIMUM_CHARGE_MINOR_UNITS,
    STRIPE_PRESENTMENT_CURRENCIES,
    STRIPE_THREE_DECIMAL,
    STRIPE_ZERO_DECIMAL,
    Currency,
    all_currencies,
)
from domain.errors import DomainError, UnknownCurrency, UnsupportedCurrency

ZERO_DECIMAL = [
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA",
    "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
]  # fmt: skip
THREE_DECIMAL = ["BHD", "JOD", "KWD", "OMR", "TND"]
SPECIAL = {*ZERO_DECIMAL, *THREE_DECIMAL, "ISK"}


@pytest.mark.parametrize("code", ["EUR", "eur", "Eur", "eUR"])
def test_a_code_is_read_in_any_letter_case(code: str) -> None:
    currency = Currency.of(code)

    assert currency.code == "EUR"
    assert currency.exponent == 2
    assert currency is Currency.of("EUR")


@pytest.mark.parametrize("code", ["XXX", "ABC", "EUX", "ZWL", "QQQ"])
def test_an_unknown_code_is_refused(code: str) -> None:
    with pytest.raises(UnknownCurrency, match="unknown currency code") as raised:
        Currency.of(code)

    assert raised.value.code == "unknown_currency"
    assert isinstance(raised.value, DomainError)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "EU",
        "EURO",
        "E1R",
        "EU ",
        " EUR",
        "EUR\n",
        "ÉUR",
        "€UR",
        "\uff25\uff35\uff32",
        "EU-",
        "978",
    ],
)
def test_a_malformed_code_is_refused(code: str) -> None:
    with pytest.raises(UnknownCurrency, match="three letters") as raised:
        Currency.of(code)

    assert raised.value.code == "unknown_currency"


@pytest.mark.parametrize("code", [None, 978, b"EUR", ["EUR"], 2.5])
def test_a_code_that_is_not_a_string_is_refused(code: object) -> None:
    with pytest.raises(UnknownCurrency) as raised:
        Currency.of(code)  # type: ignore[arg-type]

    assert raised.value.code == "unknown_currency"


def test_the_stripe_special_lists_are_the_documented_ones() -> None:
    assert set(ZERO_DECIMAL) == STRIPE_ZERO_DECIMAL
    assert set(THREE_DECIMAL) == STRIPE_THREE_DECIMAL


@pytest.mark.parametrize("code", ZERO_DECIMAL)
def test_stripe_zero_decimal_currencies_count_whole_units(code: str) -> None:
    currency = Currency.of(code)

    assert currency.exponent == 0
    assert currency.minor_units_per_major == 1
    assert currency.charge_step == 1
    assert currency.payout_step == 1


def test_mga_is_zero_decimal_for_the_gateway_although_iso_gives_it_two_places() -> None:
    mga = Currency.of("MGA")

    assert mga.exponent == 0
    assert mga.iso_exponent == 2


@pytest.mark.parametrize("code", THREE_DECIMAL)
def test_three_decimal_currencies_are_charged_in_tens_of_minor_units(code: str) -> None:
    currency = Currency.of(code)

    assert currency.exponent == 3
    assert currency.iso_exponent == 3
    assert currency.minor_units_per_major == 1000
    assert currency.charge_step == 10
    assert currency.minimum_charge == 10
    assert currency.payout_step == 1


def test_isk_is_two_decimal_but_charged_and_paid_out_in_whole_kronur() -> None:
    isk = Currency.of("ISK")

    assert isk.exponent == 2
    assert isk.iso_exponent == 0
    assert isk.charge_step == 100
    assert isk.payout_step == 100
    assert isk.minimum_charge == 100


@pytest.mark.parametrize("code", ["HUF", "TWD"])
def test_huf_and_twd_are_paid_out_in_whole_units(code: str) -> None:
    currency = Currency.of(code)

    assert currency.exponent == 2
    assert currency.payout_step == 100
    assert currency.charge_step == 1


@pytest.mark.parametrize(
    ("code", "minimum"),
    [
        ("EUR", 50),
        ("USD", 50),
        ("JPY", 50),
        ("GBP", 30),
        ("HUF", 17500),
        ("MXN", 1000),
        ("CLP", 1),
        ("KRW", 1),
        ("KWD", 10),
        ("ISK", 100),
    ],
)
def test_minimum_charge(code: str, minimum: int) -> None:
    assert Currency.of(code).minimum_charge == minimum


@pytest.mark.parametrize(
    ("code", "exponent"), [("EUR", 2), ("USD", 2), ("GBP", 2), ("CLF", 4), ("IQD", 3)]
)
def test_other_currencies_keep_their_iso_exponent(code: str, exponent: int) -> None:
    currency = Currency.of(code)

    assert currency.exponent == exponent
    assert currency.iso_exponent == exponent
    assert currency.charge_step == 1


def test_every_currency_outside_the_special_cases_has_its_iso_exponent() -> None:
    ordinary = [c for c in all_currencies() if c.code not in SPECIAL]

    assert len(ordinary) > 100
    assert all(c.exponent == c.iso_exponent for c in ordinary)
    assert all(c.charge_step == 1 for c in ordinary)


def test_all_currencies_are_distinct_and_retrievable_by_code() -> None:
    currencies = all_currencies()
    codes = [c.code for c in currencies]

    assert len(codes) == len(set(codes))
    assert {"EUR", "USD", "JPY", "KWD", "ISK", "MGA"} <= set(codes)
    assert all(Currency.of(code.lower()) is c for code, c in zip(codes, currencies, strict=True))


def test_a_currency_prints_as_its_code() -> None:
    assert str(Currency.of("jpy")) == "JPY"


def test_the_largest_charge_is_eight_digits_of_minor_units() -> None:
    assert MAXIMUM_CHARGE_MINOR_UNITS == 99_999_999


@pytest.mark.parametrize("code", ["eur", "USD", "JPY", "KWD", "ISK", "XCG", "SLE"])
def test_money_is_taken_in_stripes_presentment_currencies(code: str) -> None:
    currency = Currency.for_payments(code)
    assert currency.code == code.upper()
    assert currency.takes_card_payments


@pytest.mark.parametrize("code", ["CLF", "UYW", "BOV", "CHE", "CHW", "COU", "MXV", "USN", "UYI"])
def test_fund_codes_are_known_but_take_no_payment(code: str) -> None:
    assert not Currency.of(code).takes_card_payments
    with pytest.raises(UnsupportedCurrency) as refused:
        Currency.for_payments(code.lower())
    assert (refused.value.code, refused.value.field) == ("unsupported_currency", "currency")
    assert code in refused.value.message


def test_every_presentment_currency_is_an_iso_currency() -> None:
    known = {currency.code for currency in all_currencies()}
    assert known >= STRIPE_PRESENTMENT_CURRENCIES
    assert {*ZERO_DECIMAL, *THREE_DECIMAL, "EUR", "USD"} <= STRIPE_PRESENTMENT_CURRENCIES


def test_an_unknown_code_is_still_unknown() -> None:
    with pytest.raises(UnknownCurrency):
        Currency.for_payments("XYZ")
