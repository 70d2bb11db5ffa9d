"""Amounts for people: ``€49.90``, ``¥1,000``, ``KWD 1.500``, from integer minor units only."""

from __future__ import annotations

from domain.money import Money

# Symbols people read without doubt, in English pages. Others are written with their code.
SYMBOLS: dict[str, str] = {
    "EUR": "€",
    "GBP": "£",
    "USD": "$",
    "JPY": "¥",
    "INR": "₹",
    "KRW": "₩",
    "ILS": "₪",
    "NGN": "₦",
    "PHP": "₱",
    "VND": "₫",
    "UAH": "₴",
}


def display(money: Money) -> str:
    """``money`` with its currency's symbol (or code), thousands grouped, and exactly the
    currency's decimals: EUR 4990 is ``€49.90``, JPY 1000 ``¥1,000``, KWD 1500 ``KWD 1.500``."""
    exponent = money.currency.exponent
    major, minor = divmod(abs(money.minor_units), 10**exponent)
    digits = f"{major:,}" + (f".{minor:0{exponent}d}" if exponent else "")
    sign = "-" if money.minor_units < 0 else ""
    symbol = SYMBOLS.get(money.currency.code)
    if symbol is None:
        return f"{sign}{money.currency.code}\u00a0{digits}"
    return f"{sign}{symbol}{digits}"
