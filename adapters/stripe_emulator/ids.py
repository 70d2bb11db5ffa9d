"""Identifiers shaped like Stripe's: a type prefix, an underscore and 24 letters or digits."""

from __future__ import annotations

import itertools
import random
import string
from collections.abc import Callable

IdFactory = Callable[[str], str]

_ALPHABET = string.ascii_letters + string.digits


def random_ids(rng: random.Random | None = None) -> IdFactory:
    """Unguessable ids by default; pass a seeded ``rng`` to make them reproducible."""
    source = rng if rng is not None else random.SystemRandom()

    def new_id(prefix: str) -> str:
        return f"{prefix}_{''.join(source.choice(_ALPHABET) for _ in range(24))}"

    return new_id


def sequential_ids() -> IdFactory:
    """``pi_000000000000000000000001``, ``pi_000000000000000000000002``…: easy to read in tests."""
    counter = itertools.count(1)

    def new_id(prefix: str) -> str:
        return f"{prefix}_{next(counter):024d}"

    return new_id
