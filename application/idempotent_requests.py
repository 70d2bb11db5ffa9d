"""Requests sent again with the same ``Idempotency-Key`` get the first answer again.

The answer is kept for 24 hours once the request succeeded; a failed request changed nothing and
may simply run again. The same key with a different request is refused.
"""

from __future__ import annotations

from datetime import timedelta

from application.errors import IdempotencyKeyReused
from application.ports import Clock, DuplicateRecord, IdempotencyRecord, UnitOfWorkFactory

REPLAY_WINDOW = timedelta(hours=24)
MAX_KEY_LENGTH = 200  # stored with a namespace prefix in a 255-character column
# Use cases keep their own records in the same table ("refund:<key>"); a request's key lives
# under its own prefix so that no key a client chooses can collide with theirs.
_NAMESPACE = "request:"


class IdempotentRequests:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def earlier_answer(self, scope: str, key: str, fingerprint: str) -> bytes | None:
        """The answer kept for this key, or ``None`` when the request is new."""
        async with self._uow_factory() as uow:
            record = await uow.idempotency.get(scope, _NAMESPACE + key)
        if record is None or self._clock.now() - record.created_at > REPLAY_WINDOW:
            return None
        if record.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used with a different request; use a new key"
            )
        return record.result

    async def remember(self, scope: str, key: str, fingerprint: str, answer: bytes) -> None:
        record = IdempotencyRecord(
            scope=scope,
            key=_NAMESPACE + key,
            fingerprint=fingerprint,
            result=answer,
            created_at=self._clock.now(),
        )
        try:
            async with self._uow_factory() as uow:
                await uow.idempotency.add(record)
                await uow.commit()
        except DuplicateRecord:
            # A concurrent request with the same key finished first; its answer is the one kept.
            return
