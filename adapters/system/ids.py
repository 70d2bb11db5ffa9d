"""Identifiers: opaque, unguessable and ordered by the millisecond they were made in (like
ULIDs), with a readable prefix."""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's base 32, lower case


def _base32(number: int, length: int) -> str:
    digits = []
    for _ in range(length):
        number, digit = divmod(number, 32)
        digits.append(_ALPHABET[digit])
    return "".join(reversed(digits))


class TimeOrderedIds:
    """48 bits of milliseconds then 80 random bits drawn afresh for every id: ids sort by the
    millisecond they were made in, and ids of one millisecond share nothing else, so no id can
    be guessed from another (listings order by creation time, then id, so nothing relies on the
    order of ids made in the same millisecond)."""

    def new_id(self, prefix: str) -> str:
        ms = time.time_ns() // 1_000_000
        value = (ms << 80) | secrets.randbits(80)
        return f"{prefix}{_base32(value, 26)}"


class SequentialIds:
    """Predictable ids for tests and the demo: ``ord_0001``, ``ord_0002``..."""

    def __init__(self) -> None:
        self._counters: dict[str, int] = {}

    def new_id(self, prefix: str) -> str:
        count = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = count
        return f"{prefix}{count:04d}"
