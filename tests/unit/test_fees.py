from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from domain.currency import Currency
from domain.errors import CurrencyMismatch, InvalidFeePolicy, RefundExceedsRemaining
from domain.fees import FeeBreakdown, FeePolicy, Percentage, fee_refund_for
from domain.money import Money, Rounding

from .conftest import money

EUR = Currency.of("EUR")
KWD = Currency.of("KWD")


def zero_fixed(percentage: str, rounding: Rounding) -> FeePolicy:
    return FeePolicy(
        percentage=Percentage.parse(percentage),
        fixed_amount=Money.zero(EUR),
        minimum_fee=Money.zero(EUR),
        rounding=rounding,
    )


# -- Percentage ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2.5", Decimal("2.5")),
        ("0", Decimal("0")),
        ("100", Decimal("100")),
        ("100.0000", Decimal("100")),
        ("2.5555", Decimal("2.5555")),
        ("0.0001", Decimal("0.0001")),
        ("012", Decimal("12")),
    ],
)
def test_a_percentage_is_parsed_from_a_plain_decimal(text: str, value: Decimal) -> None:
    assert Percentage.parse(text).value == value


def test_a_percentage_is_a_rate_over_a_hundred() -> None:
    assert Percentage.parse("2.5").rate == Fraction(1, 40)
    assert Percentage.parse("100").rate == 1
    assert Percentage.parse("0.0001").rate == Fraction(1, 1_000_000)


@pytest.mark.parametrize(
    ("text", "shown"), [("2.50", "2.5"), ("100", "100"), ("0.0100", "0.01"), ("0", "0")]
)
def test_a_percentage_prints_without_trailing_zeros(text: str, shown: str) -> None:
    assert str(Percentage.parse(text)) == shown


@pytest.mark.parametrize(
    "text",
    ["2,5", "-1", "101", "100.0001", "2.55555", "abc", "", " 2.5", "2.5 ", "1e1", "NaN", "1000",
     "2.", ".5", "+2", "٢"],
)  # fmt: skip
def test_an_invalid_percentage_text_is_refused(text: str) -> None:
    with pytest.raises(InvalidFeePolicy) as raised:
        Percentage.parse(text)

    assert raised.value.code == "invalid_fee_policy"


@pytest.mark.parametrize("value", [2.5, 2, Decimal("2.5"), None])
def test_parse_takes_only_text(value: object) -> None:
    with pytest.raises(InvalidFeePolicy, match="not a percentage"):
        Percentage.parse(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    [2.5, 2, Decimal("NaN"), Decimal("Infinity"), Decimal("-1"), Decimal("100.01"),
     Decimal("2.55555")],
    ids=repr,
)  # fmt: skip
def test_an_invalid_percentage_value_is_refused(value: object) -> None:
    with pytest.raises(InvalidFeePolicy):
        Percentage(value)  # type: ignore[arg-type]


# -- fee_for and breakdown -----------------------------------------------------------------------


def test_two_and_a_half_percent_of_eur_19_99() -> None:
    breakdown = FeePolicy.build("2.5", "EUR").breakdown(money("19.99"))

    assert breakdown.total == Money(1999, EUR)
    assert breakdown.platform_fee == Money(50, EUR)
    assert breakdown.store_amount == Money(1949, EUR)
    assert breakdown.currency is EUR


def test_two_and_a_half_percent_of_jpy_999() -> None:
    breakdown = FeePolicy.build("2.5", "JPY").breakdown(money("999", "JPY"))

    assert breakdown.platform_fee == money("25", "JPY")
    assert breakdown.store_amount == money("974", "JPY")


@pytest.mark.parametrize(
    ("total", "fee"),
    [
        # 1.230 x 2.5 % = 0.03075: 3.075 tens of fils, rounded to 3
        ("1.230", "0.030"),
        ("10.010", "0.250"),
        ("1.500", "0.040"),
        ("0.180", "0.000"),
        ("0.220", "0.010"),
    ],
)
def test_a_kwd_fee_is_rounded_to_tens_of_fils(total: str, fee: str) -> None:
    breakdown = FeePolicy.build("2.5", "KWD").breakdown(money(total, "KWD"))

    assert breakdown.platform_fee == money(fee, "KWD")
    assert breakdown.platform_fee.minor_units % 10 == 0
    assert breakdown.store_amount == money(total, "KWD") - money(fee, "KWD")


def test_an_isk_fee_is_rounded_to_whole_kronur() -> None:
    fee = FeePolicy.build("2.5", "ISK").fee_for(money("1530", "ISK"))

    assert fee == money("38", "ISK")


def test_fixed_amount_is_added_to_the_percentage() -> None:
    policy = FeePolicy.build("2.9", "EUR", fixed_amount=30)

    assert policy.fee_for(money("100.00")) == money("3.20")
    assert policy.fee_for(money("19.99")) == money("0.88")


def test_the_minimum_fee_lifts_a_small_fee() -> None:
    policy = FeePolicy.build("1", "EUR", minimum_fee=100)

    assert policy.fee_for(money("10.00")) == money("1.00")
    assert policy.fee_for(money("250.00")) == money("2.50")


def test_the_maximum_fee_caps_a_large_fee() -> None:
    policy = FeePolicy.build("10", "EUR", maximum_fee=500)

    assert policy.fee_for(money("100.00")) == money("5.00")
    assert policy.fee_for(money("40.00")) == money("4.00")


def test_minimum_and_maximum_may_be_equal() -> None:
    policy = FeePolicy.build("50", "EUR", minimum_fee=100, maximum_fee=100)

    assert policy.fee_for(money("1.00")) == money("1.00")
    assert policy.fee_for(money("100.00")) == money("1.00")


def test_the_fee_never_exceeds_the_total() -> None:
    assert FeePolicy.build("0", "EUR", fixed_amount=100).fee_for(money("0.50")) == money("0.50")

    breakdown = FeePolicy.build("1", "EUR", minimum_fee=1000).breakdown(money("5.00"))

    assert breakdown.platform_fee == money("5.00")
    assert breakdown.store_amount == money("0.00")


def test_a_zero_total_carries_a_zero_fee() -> None:
    policy = FeePolicy.build("2.5", "EUR", fixed_amount=30, minimum_fee=50)

    assert policy.fee_for(money("0.00")) == money("0.00")


def test_a_hundred_percent_takes_everything() -> None:
    breakdown = FeePolicy.build("100", "EUR").breakdown(money("19.99"))

    assert breakdown.platform_fee == money("19.99")
    assert breakdown.store_amount == money("0.00")


@pytest.mark.parametrize(
    ("rounding", "total", "fee"),
    [
        (Rounding.HALF_UP, "19.99", "0.50"),
        (Rounding.DOWN, "19.99", "0.49"),
        (Rounding.FLOOR, "19.99", "0.49"),
        (Rounding.CEILING, "19.61", "0.50"),
        (Rounding.UP, "19.61", "0.50"),
        (Rounding.HALF_UP, "1.00", "0.03"),
        (Rounding.HALF_DOWN, "1.00", "0.02"),
        (Rounding.HALF_EVEN, "1.00", "0.02"),
        (Rounding.HALF_EVEN, "3.00", "0.08"),
    ],
)
def test_the_policy_rounds_as_it_says(rounding: Rounding, total: str, fee: str) -> None:
    assert zero_fixed("2.5", rounding).fee_for(money(total)) == money(fee)


def test_the_default_rounding_is_half_up() -> None:
    assert FeePolicy.build("2.5", "EUR").rounding is Rounding.HALF_UP


def test_build_accepts_a_percentage_object() -> None:
    policy = FeePolicy.build(Percentage.parse("3"), "EUR", fixed_amount=25, maximum_fee=400)

    assert policy.percentage == Percentage(Decimal("3"))
    assert policy.fixed_amount == money("0.25")
    assert policy.minimum_fee == money("0.00")
    assert policy.maximum_fee == money("4.00")
    assert policy.currency is EUR


# -- policies in one currency applied to another -------------------------------------------------


def test_a_policy_without_fixed_amounts_applies_to_any_currency() -> None:
    policy = FeePolicy.build("2.5", "EUR")

    assert policy.fee_for(money("1000", "JPY")) == money("25", "JPY")
    assert policy.fee_for(money("1.230", "KWD")) == money("0.030", "KWD")
    assert policy.breakdown(money("19.99", "USD")).platform_fee == money("0.50", "USD")


def test_a_zero_maximum_applies_to_any_currency() -> None:
    assert FeePolicy.build("2.5", "EUR", maximum_fee=0).fee_for(money("100.00", "USD")).is_zero


@pytest.mark.parametrize(
    "policy",
    [
        FeePolicy.build("2.5", "EUR", fixed_amount=30),
        FeePolicy.build("2.5", "EUR", minimum_fee=50),
        FeePolicy.build("2.5", "EUR", maximum_fee=500),
    ],
)
def test_non_zero_fixed_amounts_in_another_currency_raise(policy: FeePolicy) -> None:
    with pytest.raises(CurrencyMismatch, match="in EUR, not USD") as raised:
        policy.fee_for(money("100.00", "USD"))

    assert raised.value.code == "currency_mismatch"


# -- invalid policies ----------------------------------------------------------------------------


def test_a_maximum_below_the_minimum_is_refused() -> None:
    with pytest.raises(InvalidFeePolicy, match="below the minimum"):
        FeePolicy.build("1", "EUR", minimum_fee=200, maximum_fee=100)


@pytest.mark.parametrize(
    ("fixed_amount", "minimum_fee", "maximum_fee"), [(-1, 0, None), (0, -1, None), (0, 0, -1)]
)
def test_negative_fee_amounts_are_refused(
    fixed_amount: int, minimum_fee: int, maximum_fee: int | None
) -> None:
    with pytest.raises(InvalidFeePolicy, match="cannot be negative"):
        FeePolicy.build(
            "1", "EUR", fixed_amount=fixed_amount, minimum_fee=minimum_fee, maximum_fee=maximum_fee
        )


@pytest.mark.parametrize(
    ("fixed_amount", "minimum_fee", "maximum_fee"), [(15, 0, None), (0, 5, None), (0, 0, 1001)]
)
def test_kwd_fee_amounts_must_be_tens_of_fils(
    fixed_amount: int, minimum_fee: int, maximum_fee: int | None
) -> None:
    with pytest.raises(InvalidFeePolicy, match=r"multiples of KWD 0\.010"):
        FeePolicy.build(
            "1", "KWD", fixed_amount=fixed_amount, minimum_fee=minimum_fee, maximum_fee=maximum_fee
        )


def test_kwd_fee_amounts_in_tens_of_fils_are_accepted() -> None:
    policy = FeePolicy.build("1", "KWD", fixed_amount=20, minimum_fee=50, maximum_fee=1000)

    assert policy.fee_for(money("10.000", "KWD")) == money("0.120", "KWD")


def test_a_policy_keeps_its_amounts_in_one_currency() -> None:
    with pytest.raises(CurrencyMismatch):
        FeePolicy(
            percentage=Percentage.parse("1"),
            fixed_amount=Money.zero(EUR),
            minimum_fee=money("0.50", "USD"),
        )


@pytest.mark.parametrize("total", ["-0.01", "-100.00"])
def test_no_fee_applies_to_a_negative_total(total: str) -> None:
    policy = FeePolicy.build("2.5", "EUR")

    with pytest.raises(InvalidFeePolicy, match="negative total"):
        policy.fee_for(money(total))
    with pytest.raises(InvalidFeePolicy):
        policy.breakdown(money(total))


# -- FeeBreakdown --------------------------------------------------------------------------------


def test_the_store_amount_is_the_total_less_the_fee() -> None:
    breakdown = FeeBreakdown(total=money("10.00"), platform_fee=money("0.35"))

    assert breakdown.store_amount == money("9.65")


@pytest.mark.parametrize(
    ("total", "fee"), [("10.00", "10.01"), ("10.00", "-0.01"), ("-1.00", "0.00")]
)
def test_a_breakdown_that_does_not_fit_is_refused(total: str, fee: str) -> None:
    with pytest.raises(InvalidFeePolicy):
        FeeBreakdown(total=money(total), platform_fee=money(fee))


def test_a_breakdown_is_in_one_currency() -> None:
    with pytest.raises(CurrencyMismatch):
        FeeBreakdown(total=money("10.00"), platform_fee=money("0.10", "USD"))


# -- fee_refund_for ------------------------------------------------------------------------------


def refund_in_parts(
    breakdown: FeeBreakdown, parts: list[Money], rounding: Rounding = Rounding.HALF_UP
) -> list[Money]:
    taken = returned = Money.zero(breakdown.currency)
    shares = []
    for part in parts:
        share = fee_refund_for(
            breakdown,
            already_taken=taken,
            fee_already_returned=returned,
            amount=part,
            rounding=rounding,
        )
        shares.append(share)
        taken += part
        returned += share
    return shares


def test_three_partial_refunds_return_exactly_the_fee() -> None:
    breakdown = FeePolicy.build("2.5", "EUR").breakdown(money("100.00"))

    shares = refund_in_parts(breakdown, [money("33.33"), money("33.33"), money("33.34")])

    assert shares == [money("0.83"), money("0.84"), money("0.83")]
    assert sum(s.minor_units for s in shares) == 250


def test_the_cumulative_share_follows_the_rounding_mode() -> None:
    breakdown = FeePolicy.build("2.5", "EUR").breakdown(money("100.00"))

    shares = refund_in_parts(
        breakdown, [money("33.33"), money("33.33"), money("33.34")], Rounding.CEILING
    )

    assert shares == [money("0.84"), money("0.83"), money("0.83")]


def test_a_full_refund_returns_the_whole_fee() -> None:
    breakdown = FeePolicy.build("2.9", "EUR", fixed_amount=30).breakdown(money("19.99"))

    assert refund_in_parts(breakdown, [money("19.99")]) == [money("0.88")]


def test_kwd_fee_refunds_stay_in_tens_of_fils() -> None:
    breakdown = FeePolicy.build("2.5", "KWD").breakdown(money("10.000", "KWD"))

    shares = refund_in_parts(
        breakdown, [money("3.330", "KWD"), money("3.330", "KWD"), money("3.340", "KWD")]
    )

    assert shares == [money("0.080", "KWD"), money("0.090", "KWD"), money("0.080", "KWD")]


def test_a_refund_of_a_zero_payment_returns_nothing() -> None:
    breakdown = FeeBreakdown(total=money("0.00"), platform_fee=money("0.00"))

    assert refund_in_parts(breakdown, [money("0.00")]) == [money("0.00")]


def test_a_fixed_fee_comes_back_in_proportion() -> None:
    breakdown = FeePolicy.build("0", "EUR", fixed_amount=30).breakdown(money("10.00"))

    assert refund_in_parts(breakdown, [money("5.00"), money("5.00")]) == [
        money("0.15"),
        money("0.15"),
    ]


@pytest.mark.parametrize(("taken", "amount"), [("0.00", "100.01"), ("90.00", "10.01")])
def test_taking_back_more_than_the_payment_raises(taken: str, amount: str) -> None:
    breakdown = FeePolicy.build("2.5", "EUR").breakdown(money("100.00"))

    with pytest.raises(RefundExceedsRemaining) as raised:
        fee_refund_for(
            breakdown,
            already_taken=money(taken),
            fee_already_returned=money("0.00"),
            amount=money(amount),
        )

    assert raised.value.code == "refund_exceeds_remaining"


@pytest.mark.parametrize(
    ("taken", "returned", "amount"),
    [("0.00", "0.00", "-1.00"), ("-1.00", "0.00", "1.00"), ("0.00", "-0.01", "1.00")],
)
def test_negative_amounts_taken_back_raise(taken: str, returned: str, amount: str) -> None:
    breakdown = FeePolicy.build("2.5", "EUR").breakdown(money("100.00"))

    with pytest.raises(RefundExceedsRemaining, match="never negative"):
        fee_refund_for(
            breakdown,
            already_taken=money(taken),
            fee_already_returned=money(returned),
            amount=money(amount),
        )


def test_a_refund_in_another_currency_raises() -> None:
    breakdown = FeePolicy.build("2.5", "EUR").breakdown(money("100.00"))

    with pytest.raises(CurrencyMismatch):
        fee_refund_for(
            breakdown,
            already_taken=money("0.00"),
            fee_already_returned=money("0.00"),
            amount=money("1.00", "USD"),
        )
