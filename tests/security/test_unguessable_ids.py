"""Ids cannot be guessed from their neighbours: every id carries at least 80 fresh random bits.

An id is 48 bits of milliseconds then 80 bits drawn afresh for each id, so ids made in the same
millisecond (a burst of orders, by anyone) share their time and nothing else.
"""

from __future__ import annotations

from itertools import pairwise

import pytest

from adapters.system import ids as ids_module
from adapters.system.ids import TimeOrderedIds

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
BURST = 1000
RANDOM_BITS = 80


def value_of(identifier: str, prefix: str) -> int:
    digits = identifier.removeprefix(prefix)
    assert len(digits) == 26
    value = 0
    for digit in digits:
        value = value * 32 + ALPHABET.index(digit)
    return value


@pytest.fixture
def frozen_time(monkeypatch: pytest.MonkeyPatch) -> int:
    """Every id of the test is made in the same millisecond."""
    moment = 1_765_000_000_123_000_000
    monkeypatch.setattr(ids_module.time, "time_ns", lambda: moment)
    return moment // 1_000_000


def test_ids_made_in_one_millisecond_share_nothing_but_the_time(frozen_time: int) -> None:
    generator = TimeOrderedIds()
    made = [generator.new_id(prefix) for prefix in ("ord_", "pay_", "store_") * (BURST // 3)]
    values = [value_of(made_id, made_id[: made_id.index("_") + 1]) for made_id in made]
    randoms = [value & ((1 << RANDOM_BITS) - 1) for value in values]

    assert {value >> RANDOM_BITS for value in values} == {frozen_time}
    assert len(set(randoms)) == len(randoms)
    steps = [abs(after - before) for before, after in pairwise(randoms)]
    assert min(steps) > 1 << 32, "a neighbour is a small step away from the one before it"
    differing_bits = [(before ^ after).bit_count() for before, after in pairwise(randoms)]
    # 80 fresh bits differ in 40 on average; fewer than 20 happens about once in 10^7 pairs.
    assert min(differing_bits) >= 20
    assert sum(differing_bits) / len(differing_bits) == pytest.approx(40, abs=2)


def test_ids_still_sort_by_the_millisecond_they_were_made_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    moments = iter(range(1_765_000_000_000_000_000, 1_765_000_001_000_000_000, 1_000_000))
    monkeypatch.setattr(ids_module.time, "time_ns", lambda: next(moments))
    generator = TimeOrderedIds()

    made = [generator.new_id("ord_") for _ in range(100)]

    assert made == sorted(made)
