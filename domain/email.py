"""E-mail addresses, as storepay compares them."""

from __future__ import annotations

import re

from domain.errors import InvalidEmail

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")


def normalise_email(email: str) -> str:
    """Trimmed and lower-cased, so one shopper is one shopper whatever the case they type."""
    if not isinstance(email, str):
        raise InvalidEmail("an e-mail address is text")
    trimmed = email.strip()
    if len(trimmed) > 254 or not _EMAIL.fullmatch(trimmed):
        raise InvalidEmail(f"{email!r} is not an e-mail address")
    return trimmed.lower()
