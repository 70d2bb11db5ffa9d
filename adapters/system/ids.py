"""Identifiers: opaque, unique and ordered by creation time (like ULIDs), with a readable prefix."""

from __future__ import annotations

import secrets
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's base 32, lower case


def _base32(number: int, length: int) -> str:
    digits = []
    for _ in range(length):
        number, digit = divmod(number, 32)
        digits.append(_ALPHABET[digit])
    return "".join(reversed(digits))


class TimeOrderedIds:
    """48 bits of milliseconds then 80 random bits; within one millisecond the random part
    counts up, so ids made by one process sort in the order they were made."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_random = 0

    def new_id(self, prefix: str) -> str:
        with self._lock:
            ms = time.time_ns() // 1_000_000
            if ms <= self._last_ms:
                ms = self._last_ms
                self._last_random += 1
            else:
                self._last_random = secrets.randbits(79)
            self._last_ms = ms
            value = (ms << 80) | self._last_random
        return f"{prefix}{_base32(value, 26)}"


class SequentialIds:
    """Predictable ids for tests and the demo: ``ord_0001``, ``ord_0002``..."""

    def __init__(self) -> None:
        self._counters: dict[str, int] = {}

    def new_id(self, prefix: str) -> str:
        count = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = count
        return f"{prefix}{count:04d}"
