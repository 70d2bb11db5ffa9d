"""A store's backend vouches for its signed-in shopper: a customer session for one order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.customer_sessions import LIFETIME, token_hash, token_of
from application.errors import IdempotencyKeyReused, OrderAlreadyPaid
from application.lookups import require_order
from application.ports import (
    Clock,
    CustomerSession,
    DuplicateRecord,
    IdGenerator,
    TokenSigner,
    UnitOfWorkFactory,
)


@dataclass(frozen=True, slots=True)
class SessionForOrder:
    store_id: str
    order_id: str
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class IssuedCustomerSession:
    token: str
    expires_at: datetime
    store_id: str
    order_id: str


class CreateCustomerSession:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator, signer: TokenSigner
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._signer = signer

    async def __call__(self, command: SessionForOrder) -> IssuedCustomerSession:
        """A new session; with an idempotency key the store used before for this order, the
        session issued then (its token again: expired or used, if it is)."""
        now = self._clock.now()
        async with self._uow_factory() as uow:
            order = await require_order(uow, command.store_id, command.order_id)
            if order.is_paid:
                raise OrderAlreadyPaid("this order is already paid")
            if command.idempotency_key is not None:
                earlier = await uow.customer_sessions.by_idempotency_key(
                    command.store_id, command.idempotency_key
                )
                if earlier is not None:
                    return self._issued(_same_order(earlier, command))
            session_id = self._ids.new_id("cs_")
            expires_at = now + LIFETIME
            session = CustomerSession(
                id=session_id,
                store_id=order.store_id,
                order_id=order.id,
                customer_email=order.customer_email,
                token_hash=token_hash(token_of(self._signer, session_id, expires_at)),
                created_at=now,
                expires_at=expires_at,
                idempotency_key=command.idempotency_key,
            )
            await uow.customer_sessions.add(session)
            try:
                await uow.commit()
            except DuplicateRecord:
                if command.idempotency_key is None:
                    raise
                return await self._concurrent(command)
        return self._issued(session)

    async def _concurrent(self, command: SessionForOrder) -> IssuedCustomerSession:
        """A concurrent request with the same key issued the session first: its answer."""
        assert command.idempotency_key is not None
        async with self._uow_factory() as uow:
            earlier = await uow.customer_sessions.by_idempotency_key(
                command.store_id, command.idempotency_key
            )
        if earlier is None:  # pragma: no cover - the duplicate was that key's session
            raise DuplicateRecord("the customer session could not be recorded")
        return self._issued(_same_order(earlier, command))

    def _issued(self, session: CustomerSession) -> IssuedCustomerSession:
        return IssuedCustomerSession(
            token=token_of(self._signer, session.id, session.expires_at),
            expires_at=session.expires_at,
            store_id=session.store_id,
            order_id=session.order_id,
        )


def _same_order(session: CustomerSession, command: SessionForOrder) -> CustomerSession:
    if session.order_id != command.order_id:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used with a different request; use a new key"
        )
    return session
