"""How the scenarios write values, and how the steps read them back.

Money is written one way everywhere: the currency code, a space and the amount in major units
(``EUR 19.99``, ``JPY 1000``, ``KWD 1.500``). Percentages are written ``2.5 %``, times of day
``10:05``, and codes such as statuses with spaces instead of underscores.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pytest_bdd import parsers

from domain.fees import FeePolicy, Percentage
from domain.money import Money

STORY_DAY = datetime(2025, 3, 3, tzinfo=UTC)
STORY_START = STORY_DAY.replace(hour=10)
NOTHING = "none"
MONEY_PATTERN = r"[A-Za-z]{3} -?[0-9]+(?:\.[0-9]+)?"
_LIST_SEPARATOR = re.compile(r",\s*|\s+and\s+")


def money(text: str) -> Money:
    code, _, amount = text.strip().partition(" ")
    return Money.parse(amount, code)


def money_list(text: str) -> list[Money]:
    return [money(part) for part in _LIST_SEPARATOR.split(text.strip())]


def optional_money(text: str) -> Money | None:
    return None if text.strip() == NOTHING else money(text)


def percentage(text: str) -> Percentage:
    number, _, sign = text.strip().rpartition(" ")
    return Percentage.parse(number if sign == "%" else text)


def clock(text: str) -> datetime:
    hours, _, minutes = text.strip().partition(":")
    return STORY_DAY.replace(hour=int(hours), minute=int(minutes))


def clock_list(text: str) -> list[datetime]:
    return [clock(part) for part in _LIST_SEPARATOR.split(text.strip())]


def words(code: str) -> str:
    return code.replace("_", " ")


def code(wording: str) -> str:
    return wording.strip().replace(" ", "_")


def yes(text: str) -> bool:
    answer = text.strip().lower()
    if answer not in ("yes", "no"):
        raise ValueError(f"answer yes or no, not {text!r}")
    return answer == "yes"


def fields(datatable: list[list[str]]) -> dict[str, str]:
    """A two-column table of names and values, read top to bottom."""
    return {name.strip(): value.strip() for name, value in datatable}


def records(datatable: list[list[str]]) -> list[dict[str, str]]:
    """A table with a heading row, one record per further row."""
    heading, *rows = datatable
    return [
        {name.strip(): value.strip() for name, value in zip(heading, row, strict=True)}
        for row in rows
    ]


def fee_policy(terms: dict[str, str]) -> FeePolicy:
    """A fee policy from its terms: a percentage and, when given, fixed, minimum and maximum fees.

    A policy without amounts charges its percentage in every currency; the currency it is
    declared in then makes no difference.
    """
    fixed, minimum, maximum = (
        optional_money(terms.get(name, NOTHING))
        for name in ("fixed fee", "minimum fee", "maximum fee")
    )
    currency = next((m.currency for m in (fixed, minimum, maximum) if m is not None), "EUR")
    return FeePolicy(
        percentage=percentage(terms["percentage"]),
        fixed_amount=fixed if fixed is not None else Money.zero(currency),
        minimum_fee=minimum if minimum is not None else Money.zero(currency),
        maximum_fee=maximum,
    )


@dataclass(frozen=True)
class _Typed:
    """A value type for step patterns: the regular expression it matches, and its reading."""

    pattern: str
    read: Callable[[str], Any]

    def __call__(self, text: str) -> Any:
        return self.read(text)


TYPES = {
    "Money": _Typed(MONEY_PATTERN, money),
    "Time": _Typed(r"[0-9]{2}:[0-9]{2}", clock),
    "Number": _Typed(r"-?[0-9]+", int),
}


def phrase(pattern: str) -> parsers.parse:
    """A step pattern that knows how money, times and whole numbers are written."""
    return parsers.parse(pattern, extra_types=TYPES, case_sensitive=True)
