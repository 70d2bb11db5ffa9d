from __future__ import annotations

import decimal
from decimal import Decimal
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.currency import Currency
from domain.fees import FeePolicy, fee_refund_for
from domain.money import Money, Rounding

from .conftest import DECIMAL_ROUNDING, chargeable_amounts, fee_policies

currencies = st.sampled_from(
    [Currency.of(code) for code in ("EUR", "USD", "JPY", "KWD", "BHD", "ISK", "HUF", "CLP")]
)


@st.composite
def policy_and_total(draw: st.DrawFn) -> tuple[FeePolicy, Money]:
    currency = draw(currencies)
    total = Money(draw(st.integers(min_value=0, max_value=10**10)), currency)
    return draw(fee_policies(currency)), total


@st.composite
def policy_and_chargeable_total(draw: st.DrawFn) -> tuple[FeePolicy, Money]:
    currency = draw(currencies)
    return draw(fee_policies(currency)), draw(chargeable_amounts(currency))


def expected_fee(policy: FeePolicy, total: Money) -> int:
    step = total.currency.charge_step
    with decimal.localcontext() as context:
        context.prec = 60
        share = Decimal(total.minor_units) * policy.percentage.value / 100 / step
        percentage_part = int(share.quantize(Decimal(1), DECIMAL_ROUNDING[policy.rounding])) * step
    fee = max(percentage_part + policy.fixed_amount.minor_units, policy.minimum_fee.minor_units)
    if policy.maximum_fee is not None:
        fee = min(fee, policy.maximum_fee.minor_units)
    return min(fee, total.minor_units)


@settings(max_examples=300, deadline=None)
@given(case=policy_and_total())
def test_the_fee_stays_within_its_bounds(case: tuple[FeePolicy, Money]) -> None:
    policy, total = case

    breakdown = policy.breakdown(total)
    fee = breakdown.platform_fee

    assert fee.currency is total.currency
    assert 0 <= fee.minor_units <= total.minor_units
    assert fee.minor_units >= min(policy.minimum_fee.minor_units, total.minor_units)
    if policy.maximum_fee is not None:
        assert fee <= policy.maximum_fee
    assert breakdown.total == total
    assert breakdown.platform_fee + breakdown.store_amount == total
    assert not breakdown.store_amount.is_negative


@settings(max_examples=300, deadline=None)
@given(case=policy_and_total())
def test_the_fee_is_the_rounded_percentage_plus_fixed_clamped(
    case: tuple[FeePolicy, Money],
) -> None:
    policy, total = case

    assert policy.fee_for(total).minor_units == expected_fee(policy, total)


@settings(max_examples=200, deadline=None)
@given(case=policy_and_chargeable_total())
def test_the_fee_of_a_chargeable_total_is_in_charge_steps(case: tuple[FeePolicy, Money]) -> None:
    policy, total = case

    breakdown = policy.breakdown(total)

    assert breakdown.platform_fee.minor_units % total.currency.charge_step == 0
    assert breakdown.store_amount.minor_units % total.currency.charge_step == 0


@settings(max_examples=200, deadline=None)
@given(case=policy_and_total(), more=st.integers(min_value=0, max_value=10**6))
def test_a_larger_total_never_carries_a_smaller_fee(
    case: tuple[FeePolicy, Money], more: int
) -> None:
    policy, total = case

    assert policy.fee_for(total) <= policy.fee_for(total + Money(more, total.currency))


@settings(max_examples=300, deadline=None)
@given(case=policy_and_chargeable_total(), data=st.data())
def test_fee_refunds_of_a_payment_taken_back_in_parts_add_up_to_the_fee(
    case: tuple[FeePolicy, Money], data: st.DataObject
) -> None:
    policy, total = case
    breakdown = policy.breakdown(total)
    currency, step = total.currency, total.currency.charge_step
    steps = total.minor_units // step
    cuts = data.draw(st.lists(st.integers(1, max(1, steps - 1)), max_size=7, unique=True))
    cuts = [cut for cut in cuts if cut < steps]
    bounds = [0, *sorted(cuts), steps]
    parts = [Money((end - start) * step, currency) for start, end in pairwise(bounds)]
    rounding = data.draw(st.sampled_from(list(Rounding)))
    taken = returned = Money.zero(currency)

    for part in parts:
        share = fee_refund_for(
            breakdown,
            already_taken=taken,
            fee_already_returned=returned,
            amount=part,
            rounding=rounding,
        )
        taken, returned = taken + part, returned + share

        assert Money.zero(currency) <= share <= part
        assert share.minor_units % step == 0
        assert returned <= breakdown.platform_fee
        assert taken - returned <= breakdown.store_amount

    assert taken == total
    assert returned == breakdown.platform_fee
