"""The platform's commission: fee policies, fee breakdowns and fee refunds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from domain.currency import Currency
from domain.errors import CurrencyMismatch, InvalidFeePolicy, RefundExceedsRemaining
from domain.money import Money, Rounding

_PERCENTAGE_TEXT = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,4})?")
_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Percentage:
    """A rate written as people write it: ``Percentage.parse("2.5")`` is 2.5 %.

    At most four decimal places, between 0 and 100 inclusive.
    """

    value: Decimal

    def __post_init__(self) -> None:
        value = self.value
        if not isinstance(value, Decimal) or not value.is_finite():
            raise InvalidFeePolicy(f"a percentage is a finite Decimal, not {value!r}")
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -4:
            raise InvalidFeePolicy(f"{value} % has more than four decimal places")
        if not Decimal(0) <= value <= _HUNDRED:
            raise InvalidFeePolicy(f"{value} % is not between 0 and 100")

    @classmethod
    def parse(cls, text: str) -> Percentage:
        if not isinstance(text, str) or not _PERCENTAGE_TEXT.fullmatch(text):
            raise InvalidFeePolicy(
                f'{text!r} is not a percentage: write it as a decimal string such as "2.5"'
            )
        return cls(Decimal(text))

    @property
    def rate(self) -> Fraction:
        numerator, denominator = self.value.as_integer_ratio()
        return Fraction(numerator, denominator * 100)

    def __str__(self) -> str:
        return format(self.value.normalize(), "f")


@dataclass(frozen=True, slots=True)
class FeeBreakdown:
    """How a shopper's payment divides: ``total = platform_fee + store_amount``."""

    total: Money
    platform_fee: Money
    store_amount: Money = field(init=False)

    def __post_init__(self) -> None:
        if self.total.currency != self.platform_fee.currency:
            raise CurrencyMismatch("a fee is charged in the currency of the payment")
        if self.total.is_negative:
            raise InvalidFeePolicy(f"a payment of {self.total} cannot carry a fee")
        if self.platform_fee.is_negative or self.platform_fee > self.total:
            raise InvalidFeePolicy(
                f"a fee of {self.platform_fee} does not fit in a payment of {self.total}"
            )
        object.__setattr__(self, "store_amount", self.total - self.platform_fee)

    @property
    def currency(self) -> Currency:
        return self.total.currency


@dataclass(frozen=True, slots=True)
class FeePolicy:
    """Percentage plus a fixed amount, clamped to [minimum, maximum], never above the total.

    The fixed amount, the minimum and the maximum are in one currency. A policy whose fixed
    parts are all zero applies to payments in any currency.
    """

    percentage: Percentage
    fixed_amount: Money
    minimum_fee: Money
    maximum_fee: Money | None = None
    rounding: Rounding = Rounding.HALF_UP

    def __post_init__(self) -> None:
        currency = self.fixed_amount.currency
        amounts = [self.fixed_amount, self.minimum_fee]
        if self.maximum_fee is not None:
            amounts.append(self.maximum_fee)
        for amount in amounts:
            if amount.currency != currency:
                raise CurrencyMismatch("a fee policy's amounts share one currency")
            if amount.is_negative:
                raise InvalidFeePolicy(f"fee amounts cannot be negative ({amount})")
            if amount.minor_units % currency.charge_step:
                raise InvalidFeePolicy(
                    f"{currency.code} fee amounts must be multiples of "
                    f"{Money(currency.charge_step, currency)} ({amount})"
                )
        if self.maximum_fee is not None and self.maximum_fee < self.minimum_fee:
            raise InvalidFeePolicy(
                f"the maximum fee {self.maximum_fee} is below the minimum fee {self.minimum_fee}"
            )

    @classmethod
    def build(
        cls,
        percentage: Percentage | str,
        currency: Currency | str,
        *,
        fixed_amount: int = 0,
        minimum_fee: int = 0,
        maximum_fee: int | None = None,
    ) -> FeePolicy:
        """A policy from the plain values an operator types in, amounts in minor units."""
        if isinstance(percentage, str):
            percentage = Percentage.parse(percentage)
        return cls(
            percentage=percentage,
            fixed_amount=Money.of(fixed_amount, currency),
            minimum_fee=Money.of(minimum_fee, currency),
            maximum_fee=None if maximum_fee is None else Money.of(maximum_fee, currency),
        )

    @property
    def currency(self) -> Currency:
        return self.fixed_amount.currency

    def fee_for(self, total: Money) -> Money:
        currency = total.currency
        if total.is_negative:
            raise InvalidFeePolicy(f"no fee applies to a negative total ({total})")
        step = currency.charge_step
        fee = total.scale(self.percentage.rate, self.rounding, step=step)
        fee += self._in(self.fixed_amount, currency)
        fee = fee.max(self._in(self.minimum_fee, currency))
        if self.maximum_fee is not None:
            fee = fee.min(self._in(self.maximum_fee, currency))
        return fee.min(total)

    def breakdown(self, total: Money) -> FeeBreakdown:
        return FeeBreakdown(total=total, platform_fee=self.fee_for(total))

    @staticmethod
    def _in(amount: Money, currency: Currency) -> Money:
        if amount.currency == currency:
            return amount
        if amount.is_zero:
            return Money.zero(currency)
        raise CurrencyMismatch(
            f"this fee policy charges fixed amounts in {amount.currency.code}, not {currency.code}"
        )


def fee_refund_for(
    breakdown: FeeBreakdown,
    *,
    already_taken: Money,
    fee_already_returned: Money,
    amount: Money,
    rounding: Rounding = Rounding.HALF_UP,
) -> Money:
    """The part of the platform fee given back when ``amount`` more of a payment is taken back.

    A payment is taken back by refunds and by disputes. The fee returned so far is brought to the
    fee's share of everything taken back so far, computed cumulatively, so the fee refunds of a
    payment taken back in full add up to exactly its fee, however it was split. The share is kept
    between 0 and ``amount``, and never leaves the store or the platform below zero.
    """
    total, fee = breakdown.total, breakdown.platform_fee
    for money in (already_taken, fee_already_returned, amount):
        if money.currency != total.currency:
            raise CurrencyMismatch("a refund is in the currency of its payment")
    if amount.is_negative or already_taken.is_negative or fee_already_returned.is_negative:
        raise RefundExceedsRemaining("amounts taken back are never negative")
    taken_after = already_taken + amount
    if taken_after > total:
        raise RefundExceedsRemaining(
            f"{amount} is more than the {total - already_taken} left of the payment"
        )
    zero = Money.zero(total.currency)
    if total.is_zero:
        return zero
    target = fee.scale(
        Fraction(taken_after.minor_units, total.minor_units),
        rounding,
        step=total.currency.charge_step,
    )
    fee_left = fee - fee_already_returned
    store_left = breakdown.store_amount - (already_taken - fee_already_returned)
    lowest = (amount - store_left).max(zero)
    highest = amount.min(fee_left)
    return (target - fee_already_returned).max(lowest).min(highest)
