"""Wire types every endpoint shares: amounts, currency codes, pages, timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

import msgspec

from domain.currency import MAXIMUM_CHARGE_MINOR_UNITS
from domain.email import PATTERN as EMAIL_PATTERN
from domain.money import Money

T = TypeVar("T")

Amount = Annotated[
    int,
    msgspec.Meta(
        gt=0,
        le=MAXIMUM_CHARGE_MINOR_UNITS,
        description="A positive whole number of the currency's minor unit (1999 EUR = €19.99).",
        examples=[1999],
    ),
]
FeeAmount = Annotated[
    int,
    msgspec.Meta(
        ge=0,
        le=MAXIMUM_CHARGE_MINOR_UNITS,
        description="A whole number of the currency's minor unit; zero allowed.",
        examples=[0],
    ),
]
CurrencyCode = Annotated[
    str,
    msgspec.Meta(
        pattern="^[A-Za-z]{3}$",
        description=(
            "ISO 4217 code, any case; answers are upper-case. Only a currency Stripe takes card "
            "payments in (its presentment currencies): others are 422 unsupported_currency."
        ),
        examples=["EUR"],
    ),
]
# No control character at all, tabs and line breaks included: ids, codes, names
# (domain/text.py). Other strings of a body may break lines (entrypoints/http/control_characters).
SINGLE_LINE = r"^[^\x00-\x1f\x7f-\x9f]*$"
# No control, format or white-space character gets past the edge (400); the rest of the e-mail
# rule (domain.email) refuses with 422 invalid_email.
Email = Annotated[
    str,
    msgspec.Meta(min_length=3, max_length=254, pattern=EMAIL_PATTERN, examples=["ana@example.com"]),
]
Metadata = Annotated[
    dict[
        Annotated[str, msgspec.Meta(pattern=SINGLE_LINE)],
        Annotated[str, msgspec.Meta(max_length=500)],
    ],
    msgspec.Meta(description="Up to 20 string pairs, kept with the payment."),
]
PageLimit = Annotated[int, msgspec.Meta(ge=1, le=100)]


class Page(msgspec.Struct, Generic[T]):
    data: list[T]
    has_more: bool


def minor_units(money: Money) -> int:
    return money.minor_units


def display(money: Money) -> str:
    return money.format()


def timestamp(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with a ``Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
