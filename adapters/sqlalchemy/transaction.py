"""One database transaction as the repositories see it: reads, writes, and row versions.

Every aggregate row carries a ``version``. A transaction remembers the version of each row when
it first read it; saving updates the row only if it still has that version, so a change another
transaction committed in between is refused (:class:`ConcurrentUpdate`) instead of lost. It also
keeps each row as it read it, so that a save writes only the columns that changed: while the
version is the one read, every other column still holds what was read.

On SQLite one writer at a time holds the database, so writes are held back until the commit (or
until a read needs them) and then run in a ``BEGIN IMMEDIATE`` transaction: two units of work
can both be writing, each sees its own writes, and neither blocks the other before it commits.
Reads before that run in a deferred transaction, a consistent snapshot; the versions checked by
the writes make up for the snapshot being older than the write transaction. The writers of one
process queue for that transaction on an in-process lock (``engine.write_lock``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from application.ports import DuplicateRecord

from .engine import BUSY_TIMEOUT_MS, begin_immediately, write_lock
from .sqlite_commit import commit_at_once, compile_steps
from .steps import Step, run_steps

Key = tuple[str, Hashable]  # a table's name and a row's key in it
Write = Callable[[AsyncConnection], Awaitable[None]]
Row = Mapping[Any, Any]


class MissingRecord(LookupError):
    """``save`` of a record that was never added (or was removed)."""


@dataclass(slots=True)
class _Pending:
    key: Key | None
    write: Write | Sequence[Step]


class Transaction:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._defer_writes = engine.dialect.name == "sqlite"
        self._connection: AsyncConnection | None = None
        self._pending: list[_Pending] = []
        self._writing = not self._defer_writes
        self.versions: dict[Key, int] = {}
        self.rows: dict[Key, Row] = {}  # each row as this transaction first read or last wrote it
        self.rows_of: dict[Key, Sequence[Row]] = {}  # the same, of an aggregate's child rows
        self.added: set[Key] = set()  # rows this transaction inserted: nobody else sees them yet
        self._write_lock: asyncio.Lock | None = None  # held during a SQLite write transaction

    # -- connections ------------------------------------------------------------------------

    async def _connect(self) -> AsyncConnection:
        if self._connection is None:
            self._connection = await self._engine.connect()
        return self._connection

    async def close(self) -> None:
        await self.rollback()
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()

    # -- reading ----------------------------------------------------------------------------

    async def reading(
        self, key: Key | None = None, *, tables: Collection[str] | None = None
    ) -> AsyncConnection:
        """The connection for a read of the row at ``key`` (or of any rows of ``tables``, or of
        any rows at all, when both are ``None``), with every write of this transaction that the
        read could see already made."""
        if any(self._could_see(pending.key, key, tables) for pending in self._pending):
            await self.flush()
        return await self._connect()

    @staticmethod
    def _could_see(written: Key | None, key: Key | None, tables: Collection[str] | None) -> bool:
        if written is None:
            return True
        if key is not None:
            return written == key
        return tables is None or written[0] in tables

    def saw(self, key: Key, version: int, row: Row | None = None) -> None:
        """A read of the row at ``key``; the first read of a row is the one its saves check."""
        if key not in self.versions:
            self.versions[key] = version
            if row is not None:
                self.rows[key] = row

    @property
    def defers_writes(self) -> bool:
        """Whether writes wait for the commit (SQLite) instead of running at once."""
        return self._defer_writes

    def has_pending(self, key: Key) -> bool:
        return any(pending.key == key for pending in self._pending)

    # -- writing ----------------------------------------------------------------------------

    async def write(self, key: Key | None, write: Write | Sequence[Step]) -> None:
        """Make ``write`` now, or at the latest when this transaction commits. Writes given as
        steps can be made with the commit in one trip to SQLite (:mod:`.sqlite_commit`)."""
        if self._writing:
            connection = await self._connect()
            try:
                await self._run(connection, write)
            except BaseException:
                await self.rollback()  # a refused write takes the whole transaction with it
                raise
        else:
            self._pending.append(_Pending(key, write))

    async def flush(self) -> None:
        if not self._pending:
            return
        connection = await self._connect()
        pending, self._pending = self._pending, []
        try:
            if not self._writing:
                if connection.in_transaction():
                    await connection.rollback()
                self._write_lock = await _acquired(write_lock(self._engine))
                begin_immediately(connection)
                await connection.begin()
                self._writing = True
            for each in pending:
                await self._run(connection, each.write)
        except BaseException:
            await self.rollback()
            raise

    @staticmethod
    async def _run(connection: AsyncConnection, write: Write | Sequence[Step]) -> None:
        """One write, without a savepoint: a refused write rolls the whole transaction back (its
        unit of work is over), so there is nothing to return to."""
        try:
            if callable(write):
                await write(connection)
            else:
                await run_steps(connection, write)
        except IntegrityError as error:
            raise DuplicateRecord(str(error.orig)) from error

    # -- ending -----------------------------------------------------------------------------

    async def commit(self) -> None:
        if self._pending and not self._writing and await self._committed_at_once():
            return
        await self.flush()
        connection = self._connection
        if connection is not None and connection.in_transaction():
            try:
                await connection.commit()
            except IntegrityError as error:
                await self.rollback()
                raise DuplicateRecord(str(error.orig)) from error
        self._reset()

    async def _committed_at_once(self) -> bool:
        """The held-back writes of a SQLite transaction made and committed in one trip, when all
        of them are steps; ``False`` (nothing done) when some are not."""
        steps: list[Step] = []
        for pending in self._pending:
            if callable(pending.write):
                return False
            steps += pending.write
        statements = compile_steps(self._engine.dialect, steps)
        if statements is None:
            return False
        connection = await self._connect()
        self._pending = []
        try:
            if connection.in_transaction():
                await connection.rollback()  # the read snapshot
            self._write_lock = await _acquired(write_lock(self._engine))
            await commit_at_once(connection, statements)
        except IntegrityError as error:
            await self.rollback()
            raise DuplicateRecord(str(error.orig)) from error
        except BaseException:
            await self.rollback()
            raise
        self._reset()
        return True

    async def rollback(self) -> None:
        self._pending.clear()
        connection = self._connection
        try:
            if connection is not None and connection.in_transaction():
                await connection.rollback()
        finally:
            self._reset()

    def _reset(self) -> None:
        self.versions.clear()
        self.rows.clear()
        self.rows_of.clear()
        self.added.clear()
        self._writing = not self._defer_writes
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
