"""Money: an integer count of a currency's minor unit. No float ever touches it."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from domain.currency import MAXIMUM_CHARGE_MINOR_UNITS, Currency
from domain.errors import (
    AmountTooLarge,
    AmountTooSmall,
    CurrencyMismatch,
    InvalidAmount,
    InvalidRate,
)

_DECIMAL_TEXT = re.compile(r"(-?)([0-9]{1,18})(?:\.([0-9]+))?")


class Rounding(enum.Enum):
    """How a result between two minor units is settled; always named, never implied."""

    HALF_UP = "half_up"  # ties away from zero: 0.5 -> 1, -0.5 -> -1
    HALF_DOWN = "half_down"  # ties towards zero
    HALF_EVEN = "half_even"  # ties to the even neighbour (banker's rounding)
    UP = "up"  # away from zero
    DOWN = "down"  # towards zero (truncation)
    CEILING = "ceiling"  # towards +infinity
    FLOOR = "floor"  # towards -infinity


def round_ratio(numerator: int, denominator: int, rounding: Rounding) -> int:
    """``numerator / denominator`` rounded to an integer, exactly, in integer arithmetic."""
    if denominator == 0:
        raise ZeroDivisionError("division of money by zero")
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    quotient, remainder = divmod(numerator, denominator)  # floor division: remainder >= 0
    if remainder == 0:
        return quotient
    below, above = quotient, quotient + 1
    towards_zero, away_from_zero = (below, above) if numerator > 0 else (above, below)
    if rounding is Rounding.FLOOR:
        return below
    if rounding is Rounding.CEILING:
        return above
    if rounding is Rounding.DOWN:
        return towards_zero
    if rounding is Rounding.UP:
        return away_from_zero
    twice = 2 * remainder
    if twice < denominator:
        return below
    if twice > denominator:
        return above
    if rounding is Rounding.HALF_UP:
        return away_from_zero
    if rounding is Rounding.HALF_DOWN:
        return towards_zero
    return below if below % 2 == 0 else above


@dataclass(frozen=True, slots=True)
class Money:
    minor_units: int
    currency: Currency

    def __post_init__(self) -> None:
        if type(self.minor_units) is not int:
            raise InvalidAmount(
                f"an amount is a whole number of minor units, not {type(self.minor_units).__name__}"
            )
        if not isinstance(self.currency, Currency):
            raise TypeError("Money needs a Currency")

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def of(cls, minor_units: int, currency: Currency | str) -> Money:
        return cls(minor_units, _currency(currency))

    @classmethod
    def zero(cls, currency: Currency | str) -> Money:
        return cls(0, _currency(currency))

    @classmethod
    def parse(cls, text: str, currency: Currency | str) -> Money:
        """Money from a decimal string in major units: ``"19.99"`` EUR is 1999 cents.

        More decimal places than the currency has is an error, never a rounding; so are floats,
        exponents, signs other than a leading minus, separators, NaN and infinities.
        """
        currency = _currency(currency)
        if not isinstance(text, str):
            raise InvalidAmount(
                f"an amount to parse is a decimal string, not {type(text).__name__}"
            )
        match = _DECIMAL_TEXT.fullmatch(text)
        if match is None:
            raise InvalidAmount(f"{text!r} is not a plain decimal amount")
        sign, whole, fraction = match.groups()
        fraction = fraction or ""
        if len(fraction) > currency.exponent:
            raise InvalidAmount(
                f"{text!r} has more decimal places than {currency.code} allows "
                f"({currency.exponent})"
            )
        minor = int(whole) * currency.minor_units_per_major
        if fraction:
            minor += int(fraction) * 10 ** (currency.exponent - len(fraction))
        return cls(-minor if sign else minor, currency)

    @classmethod
    def from_decimal(cls, value: Decimal, currency: Currency | str) -> Money:
        """Money from an exact Decimal in major units, under the same rules as ``parse``."""
        currency = _currency(currency)
        if not isinstance(value, Decimal):
            raise InvalidAmount(f"expected a Decimal, not {type(value).__name__}")
        if not value.is_finite():
            raise InvalidAmount(f"{value} is not an amount")
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > currency.exponent:
            raise InvalidAmount(
                f"{value} has more decimal places than {currency.code} allows ({currency.exponent})"
            )
        numerator, denominator = value.scaleb(currency.exponent).as_integer_ratio()
        if denominator != 1:  # pragma: no cover - excluded by the exponent check above
            raise InvalidAmount(f"{value} is not a whole number of minor units")
        return cls(numerator, currency)

    # -- reading ------------------------------------------------------------------------------

    def to_decimal(self) -> Decimal:
        return Decimal(self.minor_units).scaleb(-self.currency.exponent)

    def format(self) -> str:
        """``EUR 19.99``, ``JPY 1000``, ``KWD 1.500``: the way people and scenarios write it."""
        exponent = self.currency.exponent
        sign = "-" if self.minor_units < 0 else ""
        major, minor = divmod(abs(self.minor_units), 10**exponent)
        digits = f"{major}.{minor:0{exponent}d}" if exponent else f"{major}"
        return f"{self.currency.code} {sign}{digits}"

    def __str__(self) -> str:
        return self.format()

    def __repr__(self) -> str:
        return f"Money({self.format()!r})"

    @property
    def is_zero(self) -> bool:
        return self.minor_units == 0

    @property
    def is_positive(self) -> bool:
        return self.minor_units > 0

    @property
    def is_negative(self) -> bool:
        return self.minor_units < 0

    # -- arithmetic ---------------------------------------------------------------------------

    def _same_currency(self, other: object, operation: str) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot {operation} money and {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"cannot {operation} {self.currency.code} and {other.currency.code}"
            )
        return other

    def __add__(self, other: Money) -> Money:
        other = self._same_currency(other, "add")
        return Money(self.minor_units + other.minor_units, self.currency)

    def __sub__(self, other: Money) -> Money:
        other = self._same_currency(other, "subtract")
        return Money(self.minor_units - other.minor_units, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor_units, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.minor_units), self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.minor_units < self._same_currency(other, "compare").minor_units

    def __le__(self, other: Money) -> bool:
        return self.minor_units <= self._same_currency(other, "compare").minor_units

    def __gt__(self, other: Money) -> bool:
        return self.minor_units > self._same_currency(other, "compare").minor_units

    def __ge__(self, other: Money) -> bool:
        return self.minor_units >= self._same_currency(other, "compare").minor_units

    def min(self, other: Money) -> Money:
        return self if self <= other else other

    def max(self, other: Money) -> Money:
        return self if self >= other else other

    def multiply(self, rate: Decimal | int, rounding: Rounding, *, step: int = 1) -> Money:
        """This amount times an exact rate, rounded to a multiple of ``step`` minor units."""
        if isinstance(rate, bool) or not isinstance(rate, (Decimal, int)):
            raise InvalidRate(f"a rate is a Decimal or an int, not {type(rate).__name__}")
        if isinstance(rate, Decimal) and not rate.is_finite():
            raise InvalidRate(f"{rate} is not a rate")
        numerator, denominator = rate.as_integer_ratio()
        return self.scale(Fraction(numerator, denominator), rounding, step=step)

    def scale(self, ratio: Fraction, rounding: Rounding, *, step: int = 1) -> Money:
        """This amount times an exact fraction, rounded to a multiple of ``step`` minor units."""
        if step < 1:
            raise ValueError("step must be a positive number of minor units")
        units = round_ratio(self.minor_units * ratio.numerator, ratio.denominator * step, rounding)
        return Money(units * step, self.currency)

    def allocate(self, ratios: Sequence[int]) -> list[Money]:
        """Split by whole-number ratios without creating or losing a minor unit.

        Each part gets its exact share rounded towards zero; the minor units left over go one each
        to the parts with the largest remainders, and between equal remainders to the earlier part
        (the largest remainder method). A part with ratio 0 gets nothing.
        """
        if not ratios:
            raise ValueError("allocate needs at least one ratio")
        if any(isinstance(r, bool) or not isinstance(r, int) or r < 0 for r in ratios):
            raise ValueError("ratios are non-negative whole numbers")
        whole = sum(ratios)
        if whole == 0:
            raise ValueError("ratios must not all be zero")
        magnitude = abs(self.minor_units)
        shares = [magnitude * r // whole for r in ratios]
        remainders = [magnitude * r % whole for r in ratios]
        leftover = magnitude - sum(shares)
        by_remainder = sorted(range(len(ratios)), key=lambda i: (-remainders[i], i))
        for index in by_remainder[:leftover]:
            shares[index] += 1
        sign = -1 if self.minor_units < 0 else 1
        return [Money(sign * share, self.currency) for share in shares]

    # -- what the gateway accepts -------------------------------------------------------------

    def check_transferable(self) -> None:
        """Raise unless the gateway can move exactly this amount (a refund, say)."""
        currency = self.currency
        if self.minor_units <= 0:
            raise InvalidAmount(f"{self} is not a positive amount")
        if self.minor_units > MAXIMUM_CHARGE_MINOR_UNITS:
            raise AmountTooLarge(
                f"{self} is above the largest amount a payment can carry "
                f"({Money(MAXIMUM_CHARGE_MINOR_UNITS, currency)})"
            )
        if self.minor_units % currency.charge_step:
            raise InvalidAmount(
                f"{currency.code} amounts must be multiples of "
                f"{Money(currency.charge_step, currency)}"
            )

    def check_chargeable(self) -> None:
        """Raise unless the gateway can charge exactly this amount to a shopper."""
        self.check_transferable()
        currency = self.currency
        if self.minor_units < currency.minimum_charge:
            raise AmountTooSmall(
                f"{self} is below the smallest {currency.code} payment "
                f"({Money(currency.minimum_charge, currency)})"
            )


def _currency(currency: Currency | str) -> Currency:
    return currency if isinstance(currency, Currency) else Currency.of(currency)
