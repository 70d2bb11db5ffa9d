"""Requests sent again with the same ``Idempotency-Key`` get the first answer again.

A request claims its key before it runs: it adds a record without an answer, and the key being
unique in the database makes exactly one of several concurrent requests the claimant, whichever
worker or host they reached. The claimant runs, then keeps its answer on the record for 24
hours; the others see the claim and wait for that answer, or are told to come back. A request
that failed changed nothing: it releases its claim, and a retry runs afresh. A claim left by a
process that died expires after :data:`CLAIM_LEASE`. The same key with a different request is
refused. Records older than the replay window are purged (:meth:`IdempotentRequests.purge`).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from application.errors import IdempotencyKeyReused
from application.ports import (
    Clock,
    ConcurrentUpdate,
    DuplicateRecord,
    IdempotencyRecord,
    UnitOfWorkFactory,
)
from application.transactions import retrying

REPLAY_WINDOW = timedelta(hours=24)
# Longer than any request runs (Stripe calls time out well before): a claim older than this was
# left by a process that died.
CLAIM_LEASE = timedelta(seconds=60)
MAX_KEY_LENGTH = 200  # stored with a namespace prefix in a 255-character column
# Use cases keep their own records in the same table ("refund:<key>"); a request's key lives
# under its own prefix so that no key a client chooses can collide with theirs.
_NAMESPACE = "request:"
_CLAIM_ATTEMPTS = 3  # a record can be released or expire between the claim and the look at it

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Claimed:
    """This request holds the key: it runs, then :meth:`IdempotentRequests.finish` or
    :meth:`IdempotentRequests.release`."""

    scope: str
    key: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Replay:
    """The request ran before: this is its answer."""

    answer: bytes


@dataclass(frozen=True, slots=True)
class InProgress:
    """Another request with the key is running; its claim lapses at ``lease_ends`` at the
    latest."""

    lease_ends: datetime


class IdempotentRequests:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def claim(self, scope: str, key: str, fingerprint: str) -> Claimed | Replay | InProgress:
        """Claim ``key`` for this request, or say why not: its answer is kept, or it runs."""
        stored = _NAMESPACE + key
        lease_ends = self._clock.now() + CLAIM_LEASE
        for _ in range(_CLAIM_ATTEMPTS):
            now = self._clock.now()
            try:
                async with self._uow_factory() as uow:
                    await uow.idempotency.add(
                        IdempotencyRecord(scope, stored, fingerprint, result=None, created_at=now)
                    )
                    await uow.commit()
                return Claimed(scope, stored, now)
            except DuplicateRecord:
                pass
            async with self._uow_factory() as uow:
                record = await uow.idempotency.get(scope, stored)
            if record is None:
                continue  # released meanwhile: claim it
            if self._lapsed(record, now):
                await self._remove(record)
                continue
            if record.fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    "this Idempotency-Key was used with a different request; use a new key"
                )
            if record.result is not None:
                return Replay(record.result)
            lease_ends = record.created_at + CLAIM_LEASE
            return InProgress(lease_ends)
        return InProgress(lease_ends)

    async def finish(self, claim: Claimed, answer: bytes) -> None:
        """Keep the answer of the request that held ``claim``, for its retries."""
        try:
            async with self._uow_factory() as uow:
                await uow.idempotency.answer(claim.scope, claim.key, claim.at, answer)
                await uow.commit()
        except ConcurrentUpdate:
            # The claim lapsed while the request ran and another took the key over: its
            # answer is the one kept.
            logger.warning("the claim on idempotency key %r lapsed before its answer", claim.key)

    async def release(self, claim: Claimed) -> None:
        """Give the key back: the request failed, and a retry may run it afresh."""
        await retrying(lambda: self._remove_at(claim.scope, claim.key, claim.at))

    async def purge(self) -> int:
        """Remove the records of requests older than the replay window; how many."""
        cutoff = self._clock.now() - REPLAY_WINDOW

        async def purge() -> int:
            async with self._uow_factory() as uow:
                removed = await uow.idempotency.remove_older(_NAMESPACE, cutoff)
                await uow.commit()
            return removed

        return await retrying(purge)

    def _lapsed(self, record: IdempotencyRecord, now: datetime) -> bool:
        """An answer past the replay window, or a claim past its lease: the key is free."""
        age = now - record.created_at
        return age > (CLAIM_LEASE if record.result is None else REPLAY_WINDOW)

    async def _remove(self, record: IdempotencyRecord) -> None:
        # Someone else changing it first is fine: the next look sees what they did.
        with contextlib.suppress(ConcurrentUpdate):
            await self._remove_at(record.scope, record.key, record.created_at)

    async def _remove_at(self, scope: str, key: str, created_at: datetime) -> None:
        async with self._uow_factory() as uow:
            await uow.idempotency.remove(scope, key, created_at)
            await uow.commit()
