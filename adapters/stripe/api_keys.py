"""Which Stripe mode a key belongs to: test keys see only test data, live keys only live data."""

from __future__ import annotations

import enum


class KeyMode(enum.StrEnum):
    TEST = "test"
    LIVE = "live"

    @property
    def livemode(self) -> bool:
        """The ``livemode`` of every object and event this mode's keys see."""
        return self is KeyMode.LIVE


def secret_key_mode(key: str) -> KeyMode:
    """``sk_test_``/``rk_test_`` or ``sk_live_``/``rk_live_``; anything else is refused (the
    message names the expected shape, never the key)."""
    return _mode(key, ("sk", "rk"), "STRIPE_SECRET_KEY must be a secret or restricted key")


def publishable_key_mode(key: str) -> KeyMode:
    return _mode(key, ("pk",), "STRIPE_PUBLISHABLE_KEY must be a publishable key")


def _mode(key: str, kinds: tuple[str, ...], problem: str) -> KeyMode:
    kind, _, rest = key.partition("_")
    mode, _, secret = rest.partition("_")
    if kind in kinds and secret and mode in (KeyMode.TEST, KeyMode.LIVE):
        return KeyMode(mode)
    shapes = " or ".join(f"{kind}_test_... / {kind}_live_..." for kind in kinds)
    raise ValueError(f"{problem} ({shapes})")
