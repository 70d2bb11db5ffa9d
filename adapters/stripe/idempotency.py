"""Idempotency keys for the calls whose port request carries none, derived from the operation.

Stripe replays the first answer to a key for 24 hours. So a key names one business operation:
retried (by the SDK's network retries or by storepay) it is answered once. Where the same
operation may rightly happen again with the same parameters, each call is its own operation and
its key ends in a fresh nonce:

- an onboarding link is single-use: a replayed answer would hand out a link already spent;
- a payout schedule can go weekly, then daily, then weekly again: a replay would leave it daily;
- detaching a card that is already gone must fail, not replay the first success.

Cancelling an intent is final, and a customer is created once per store and shopper: their keys
are derived from the objects alone.
"""

from __future__ import annotations

import hashlib
import uuid

MAX_LENGTH = 255


def checked(key: str) -> str:
    """A key Stripe takes: at most 255 characters (a longer one is shortened by its hash)."""
    if len(key) <= MAX_LENGTH:
        return key
    return f"{key[:180]}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def onboarding_link(account_id: str) -> str:
    return checked(f"storepay:account:{account_id}:onboarding-link:{_nonce()}")


def payout_schedule(account_id: str) -> str:
    return checked(f"storepay:account:{account_id}:payout-schedule:{_nonce()}")


def cancel_intent(payment_intent_id: str) -> str:
    return checked(f"storepay:payment-intent:{payment_intent_id}:cancel")


def new_customer(store_id: str, email: str) -> str:
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    return checked(f"storepay:store:{store_id}:customer:{digest}")


def detach_payment_method(payment_method_id: str) -> str:
    return checked(f"storepay:payment-method:{payment_method_id}:detach:{_nonce()}")


def _nonce() -> str:
    return uuid.uuid4().hex
