"""A transaction on SQLite: writes held back until the commit, made there in one trip.

SQLite lets one writer at a time hold the database, so writes are held back until the commit
(or until a read needs them) and then run in a ``BEGIN IMMEDIATE`` transaction: two units of
work can both be writing, each sees its own writes, and neither blocks the other before it
commits. Reads before that run in a deferred transaction, a consistent snapshot; the versions
checked by the writes make up for the snapshot being older than the write transaction. The
writers of one process queue for that transaction on an in-process lock
(``engine.write_lock``); a commit whose writes are all steps is made in one trip to the
driver's thread (:mod:`.sqlite_commit`).

A read that locks its rows begins the write transaction at once: SQLite has no row locks, and
the database's one write lock is what keeps the rows read from changing until the commit (every
other writer waits for it).
"""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .engine import BUSY_TIMEOUT_MS, begin_immediately, write_lock
from .sqlite_commit import commit_at_once, compile_steps
from .steps import Step
from .transaction import Transaction


class SqliteTransaction(Transaction):
    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self._writing = False  # in the write transaction (BEGIN IMMEDIATE)
        self._write_lock: asyncio.Lock | None = None  # held while writing

    async def _ready_to_lock(self) -> None:
        await self._ready_to_write()

    def _holds_back(self) -> bool:
        return not self._writing

    async def _ready_to_write(self) -> AsyncConnection:
        await self._begin_writing()
        return await super()._ready_to_write()

    async def flush(self) -> None:
        if self._pending:
            await self._begin_writing()
        await super().flush()

    async def _begin_writing(self) -> None:
        """The write transaction (``BEGIN IMMEDIATE``), begun unless it was."""
        if self._writing:
            return
        try:
            connection = await self._holding_the_write_lock()
            begin_immediately(connection)
            await connection.begin()
        except BaseException as error:
            await self._give_up(error)
        self._writing = True

    async def _holding_the_write_lock(self) -> AsyncConnection:
        """The connection, its read snapshot given up, once this process's writers' lock is
        this transaction's."""
        connection = await self._connect()
        if connection.in_transaction():
            await connection.rollback()
        self._write_lock = await _acquired(write_lock(self._engine))
        return connection

    async def commit(self) -> None:
        if self._pending and not self._writing and await self._committed_at_once():
            return
        await super().commit()

    async def _committed_at_once(self) -> bool:
        """The held-back writes made and committed in one trip, when all of them compile to
        plain SQL; ``False`` (nothing done) when one does not."""
        steps: list[Step] = [step for pending in self._pending for step in pending.steps]
        statements = compile_steps(self._engine.dialect, steps)
        if statements is None:
            return False
        self._pending = []
        try:
            await commit_at_once(await self._holding_the_write_lock(), statements)
        except BaseException as error:
            await self._give_up(error)
        self._reset()
        return True

    def _reset(self) -> None:
        super()._reset()
        self._writing = False
        if self._write_lock is not None:
            lock, self._write_lock = self._write_lock, None
            lock.release()


async def _acquired(lock: asyncio.Lock) -> asyncio.Lock:
    """``lock``, waited for as long as SQLite's busy timeout would have waited."""
    try:
        async with asyncio.timeout(BUSY_TIMEOUT_MS / 1000):
            await lock.acquire()
    except TimeoutError:
        raise OperationalError("BEGIN IMMEDIATE", None, Exception("database is locked")) from None
    return lock
