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

On PostgreSQL (asyncpg), reads made before the first write run outside a transaction, one
statement each: at READ COMMITTED every statement of a transaction takes a snapshot of its own
anyway, so a transaction around them would add a ``BEGIN`` and nothing else. A row lock asked
for then would end with its statement, so none is asked for (:attr:`Transaction.holds_locks`);
the versions the writes check keep what was read from being overwritten. Writes held back to
the commit go out as one statement that fails whole on a changed version
(:mod:`.merged_writes`): a unit of work that only read before them commits in one statement.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from application.ports import ConcurrentUpdate, DuplicateRecord

from .asyncpg_direct import Driver
from .compiled import Compiled, NotFixed, compiled
from .engine import BUSY_TIMEOUT_MS, begin_immediately, write_lock
from .integrity import is_duplicate_key
from .merged_writes import is_refused, merged
from .sqlite_commit import commit_at_once, compile_steps
from .steps import Parameters, Step, run_steps

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
        # On asyncpg, statements built once run on the driver itself (:mod:`.asyncpg_direct`).
        self._direct = engine.dialect.driver == "asyncpg"
        # There, writes given as steps wait for the commit (or a read that could see them) too,
        # to go out together in one statement (:mod:`.merged_writes`).
        self._merge_writes = self._direct
        self._driver: Driver | None = None
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
        self._driver = None
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

    async def fetch(
        self,
        statement: sa.Executable,
        parameters: Mapping[str, Any] | None = None,
        *,
        key: Key | None = None,
        tables: Collection[str] | None = None,
    ) -> Sequence[Row]:
        """The rows of a read (of the row at ``key``, or of ``tables``: see :meth:`reading`).
        A statement given its parameters apart is one built once: on asyncpg it runs on the
        driver, compiled once."""
        connection = await self.reading(key, tables=tables)
        return await self._rows_on(connection, statement, parameters, begin=False)

    async def _rows_on(
        self,
        connection: AsyncConnection,
        statement: sa.Executable,
        parameters: Mapping[str, Any] | None,
        *,
        begin: bool = True,
    ) -> Sequence[Row]:
        if self._direct and parameters is not None:
            try:
                prepared = compiled(self._engine.dialect, statement, tuple(parameters))
            except NotFixed:
                pass
            else:
                driver = await self._driver_of(connection)
                records, _ = await driver.fetch(prepared, prepared.values(parameters), begin=begin)
                return [prepared.row(record) for record in records]
        return (await connection.execute(statement, parameters)).mappings().all()

    async def scalar(
        self,
        statement: sa.Executable,
        parameters: Mapping[str, Any] | None = None,
        *,
        key: Key | None = None,
        tables: Collection[str] | None = None,
    ) -> Any:
        """The first column of the first row of a read, or ``None`` when it finds no row."""
        rows = await self.fetch(statement, parameters, key=key, tables=tables)
        return next(iter(rows[0].values())) if rows else None

    async def _driver_of(self, connection: AsyncConnection) -> Driver:
        if self._driver is None or connection.invalidated:
            self._driver = await Driver.of(connection)
        elif not connection.in_transaction():
            await connection.begin()
        return self._driver

    def saw(self, key: Key, version: int, row: Row | None = None) -> None:
        """A read of the row at ``key``; the first read of a row is the one its saves check."""
        if key not in self.versions:
            self.versions[key] = version
            if row is not None:
                self.rows[key] = row

    @property
    def holds_locks(self) -> bool:
        """Whether a row a read locks (``FOR UPDATE``) stays locked until the commit: not on
        PostgreSQL before the first write, where each read is a statement of its own."""
        if not self._direct:
            return True
        if self._driver is not None:
            return self._driver.in_transaction
        # Only SQLAlchemy's own statements ran: their first one began the transaction.
        return self._connection is not None and self._connection.in_transaction()

    @property
    def defers_writes(self) -> bool:
        """Whether writes wait for the commit (SQLite) instead of running at once."""
        return self._defer_writes

    def has_pending(self, key: Key) -> bool:
        return any(pending.key == key for pending in self._pending)

    # -- writing ----------------------------------------------------------------------------

    async def write_returning(
        self, key: Key, statement: sa.Executable, parameters: Mapping[str, Any]
    ) -> Sequence[Row]:
        """Make a write with ``RETURNING`` now and give back its rows: on a database whose
        writes are not held back (PostgreSQL)."""
        if self._defer_writes:
            raise RuntimeError("writes wait for the commit here; a write cannot return rows")
        rows: Sequence[Row] = ()

        async def write(connection: AsyncConnection) -> None:
            nonlocal rows
            rows = await self._rows_on(connection, statement, parameters)

        await self.write(key, write)
        return rows

    async def write(self, key: Key | None, write: Write | Sequence[Step]) -> None:
        """Make ``write`` now, or at the latest when this transaction commits. Writes given as
        steps can be made with the commit in one trip to SQLite (:mod:`.sqlite_commit`)."""
        if self._writing and (callable(write) or not self._merge_writes):
            await self.flush()  # writes held back go first
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

    async def _run(self, connection: AsyncConnection, write: Write | Sequence[Step]) -> None:
        """One write, without a savepoint: a refused write rolls the whole transaction back (its
        unit of work is over), so there is nothing to return to."""
        try:
            if callable(write):
                await write(connection)
            elif self._direct:
                await self._run_direct(connection, write)
            else:
                await run_steps(connection, write)
        except IntegrityError as error:
            if is_duplicate_key(error):
                raise DuplicateRecord(str(error.orig)) from error
            raise

    async def _run_direct(self, connection: AsyncConnection, steps: Sequence[Step]) -> None:
        """``steps`` on asyncpg's connection, each one built once and given its parameters; a
        statement that carries its own values goes through ``execute`` (and its cache)."""
        for step in steps:
            prepared = self._prepared(step.statement, step.parameters)
            if prepared is None:
                await run_steps(connection, [step])
                continue
            driver = await self._driver_of(connection)
            each = step.parameters if isinstance(step.parameters, Sequence) else [step.parameters]
            if isinstance(step.parameters, Sequence) and step.refused is None:
                await driver.execute_many(prepared, [prepared.values(values) for values in each])
                continue
            for values in each:
                _, count = await driver.fetch(prepared, prepared.values(values))
                if step.refused is not None and count != 1:
                    raise ConcurrentUpdate(step.refused)

    def _prepared(self, statement: sa.Executable, parameters: Parameters) -> Compiled | None:
        if parameters is None or (isinstance(parameters, Sequence) and not parameters):
            return None
        first = parameters[0] if isinstance(parameters, Sequence) else parameters
        try:
            return compiled(self._engine.dialect, statement, tuple(first))
        except NotFixed:
            return None

    # -- ending -----------------------------------------------------------------------------

    async def commit(self) -> None:
        if self._pending and not self._writing and await self._committed_at_once():
            return
        if self._pending and self._merge_writes:
            await self._write_merged()
        await self.flush()
        connection = self._connection
        if connection is not None and connection.in_transaction():
            try:
                await connection.commit()
            except IntegrityError as error:
                await self.rollback()
                if is_duplicate_key(error):
                    raise DuplicateRecord(str(error.orig)) from error
                raise
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
            if is_duplicate_key(error):
                raise DuplicateRecord(str(error.orig)) from error
            raise
        except BaseException:
            await self.rollback()
            raise
        self._reset()
        return True

    async def _write_merged(self) -> None:
        """The held-back writes in one statement, when they can be (else they stay held back,
        for :meth:`flush` to make one at a time)."""
        writes = [(each.key, each.write) for each in self._pending]
        if any(callable(write) for _, write in writes):
            return
        statement = merged(
            self._engine.dialect, cast(list[tuple[Key | None, Sequence[Step]]], writes)
        )
        if statement is None:
            return
        self._pending = []
        try:
            driver = await self._driver_of(await self._connect())
            # Whole on its own: inside the transaction if one was begun, else by itself.
            await driver.fetch(statement, statement.values, begin=False)
        except IntegrityError as error:
            await self.rollback()
            if is_duplicate_key(error):
                raise DuplicateRecord(str(error.orig)) from error
            raise
        except DBAPIError as error:
            await self.rollback()
            if is_refused(error):
                raise ConcurrentUpdate("; ".join(statement.refused)) from error
            raise
        except BaseException:
            await self.rollback()
            raise

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
