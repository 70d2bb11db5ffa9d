"""Customer sessions: the proof that the shopper of an order is at its checkout.

The store's backend, once its shopper signed in, asks for a session for one order; its token goes
to the checkout, which then shows the shopper's saved cards, and to create-intent, which attaches
the shopper's gateway customer to the payment intent (so a saved card can pay it) and may save
the card. Without one, neither happens: an order's link is not its shopper.

A session is bound to its store, order and shopper, lasts 15 minutes and is used once: the
create-intent that uses it marks it used in a transaction that fails if another did so first.
Only the token's SHA-256 is stored. The token itself is derived from the session's id with the
service's signing key, so that a retry of the store's request (same ``Idempotency-Key``) is given
the same token again without the token ever being kept.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta

from application.errors import CustomerSessionInvalid
from application.ports import (
    Clock,
    ConcurrentUpdate,
    CustomerSession,
    TokenSigner,
    UnitOfWork,
    UnitOfWorkFactory,
)

LIFETIME = timedelta(minutes=15)
TOKEN_PREFIX = "spcs_"  # masked in logs like every other storepay secret
MAX_TOKEN_LENGTH = 100


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_of(signer: TokenSigner, session_id: str, expires_at: datetime) -> str:
    """The session's token: unguessable without the signing key, the same every time."""
    signed = signer.sign(f"customer-session:{session_id}", expires_at)
    digest = hashlib.sha256(signed.encode()).digest()
    return TOKEN_PREFIX + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def admitting(
    uow: UnitOfWork, token: str, store_id: str, order_id: str, customer_email: str, now: datetime
) -> CustomerSession | None:
    """The session of ``token`` if it proves the shopper of this order now, else ``None``."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return None
    session = await uow.customer_sessions.by_token_hash(token_hash(token))
    if session is None or not session.admits(store_id, order_id, customer_email, now):
        return None
    return session


class CustomerSessionUse:
    """Spends a session on the payment intent it proves the shopper for."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def spend(
        self, token: str, store_id: str, order_id: str, customer_email: str
    ) -> CustomerSession:
        now = self._clock.now()
        try:
            async with self._uow_factory() as uow:
                session = await admitting(uow, token, store_id, order_id, customer_email, now)
                if session is None:
                    raise CustomerSessionInvalid(_INVALID)
                session.used_at = now
                await uow.customer_sessions.save(session)
                await uow.commit()
        except ConcurrentUpdate:
            raise CustomerSessionInvalid(_INVALID) from None  # used by a concurrent call
        return session


_INVALID = (
    "the customer session is unknown, expired, already used or for another order; ask the store "
    "for a new one"
)
