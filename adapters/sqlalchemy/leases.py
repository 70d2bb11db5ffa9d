"""One process at a time for work that every serving process schedules (the reconciler).

On PostgreSQL, a session-level advisory lock (``pg_try_advisory_lock``) held on a connection of
its own for the length of the work: the first process to ask gets it, the others skip their turn
instead of waiting. On SQLite, storepay is served by one process, which always holds it.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine


def lock_key(name: str) -> int:
    """The advisory lock's 64-bit key for ``name``, the same in every process."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@asynccontextmanager
async def exclusively(engine: AsyncEngine, name: str) -> AsyncIterator[bool]:
    """Whether this process holds the lock ``name`` for the block; it is let go at the end."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = lock_key(name)
    async with engine.connect() as connection:
        held = bool(await connection.scalar(sa.select(sa.func.pg_try_advisory_lock(key))))
        await connection.commit()  # the lock is the session's, not the transaction's
        try:
            yield held
        finally:
            if held:
                try:
                    await connection.scalar(sa.select(sa.func.pg_advisory_unlock(key)))
                    await connection.commit()
                except BaseException:
                    # A connection that may still hold the lock never goes back to the pool.
                    await connection.invalidate()
                    raise
