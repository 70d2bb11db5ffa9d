"""One database transaction as the repositories see it: what it read, its reads and its writes.

Every aggregate row carries a ``version``. A transaction remembers the version of each row when
it first read it; saving updates the row only if it still has that version, so a change another
transaction committed in between is refused (:class:`ConcurrentUpdate`) instead of lost. It also
keeps each row as it read it (and the child rows read with it), so that a save writes only the
columns that changed: while the version is the one read, every other column still holds what
was read. Repositories tell it what they read and wrote (``remember_read``, ``remember_added``,
``remember_saved``, ``remember_children``) and ask it back (``version_of``, ``row_of``,
``children_of``, ``was_added``); they never reach into it otherwise.

:class:`Transaction` is the plain SQLAlchemy transaction: reads and writes run at once through
``execute``, in the transaction the first of them begins, and a row a read locks stays locked
until the end. Each database has a subclass of its own, in a module of its own, that holds
writes back for speed (:mod:`.sqlite_transaction`, :mod:`.postgres_transaction`); the unit of
work factory picks one by the engine's dialect. A write held back is made at the latest at the
commit, or before a read that could see it. Whatever fails in a write or in the commit rolls the
whole transaction back (its unit of work is over: there is nothing to return to) and reaches the
repositories as the port's error it stands for (:mod:`.refusals`).
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .refusals import translated
from .steps import Step, run_steps

Key = tuple[str, Hashable]  # a table's name and a row's key in it
Row = Mapping[Any, Any]
Values = Mapping[str, Any] | None  # a statement's parameters, given apart from it


class MissingRecord(LookupError):
    """``save`` of a record that was never added (or was removed)."""


@dataclass(slots=True)
class _Pending:
    key: Key | None  # the row it writes; None: rows no key names (every read waits for it)
    steps: Sequence[Step]


class Transaction:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._pending: list[_Pending] = []
        self._versions: dict[Key, int] = {}
        self._rows: dict[Key, Row] = {}  # each row as this transaction first read or last wrote it
        self._children: dict[Key, Sequence[Row]] = {}  # the same, of an aggregate's child rows
        self._added: set[Key] = set()  # rows this transaction inserted: nobody else sees them yet

    # -- what this transaction read and wrote ------------------------------------------------

    def remember_read(
        self, key: Key, row: Row, children: Mapping[Key, Sequence[Row]] | None = None
    ) -> None:
        """The row at ``key`` as a read found it (its ``version`` among its columns), with the
        child rows read along with it. The first read of a row is the one its saves are checked
        against: a later read of it changes nothing here."""
        if key in self._versions:
            return
        self._versions[key] = row["version"]
        self._rows[key] = row
        if children:
            self._children.update(children)

    def remember_added(
        self, key: Key, row: Row, children: Mapping[Key, Sequence[Row]] | None = None
    ) -> None:
        """The row this transaction inserts at ``key``, with its child rows."""
        self._versions[key] = row["version"]
        self._rows[key] = row
        self._added.add(key)
        if children:
            self._children.update(children)

    def remember_saved(self, key: Key, changed: Mapping[str, Any], version: int) -> None:
        """The row at ``key`` saved as ``version``, with the columns ``changed``."""
        self._versions[key] = version
        known = self._rows.get(key)
        if known is not None:
            self._rows[key] = {**known, **changed, "version": version}

    def remember_children(self, key: Key, rows: Sequence[Row]) -> None:
        """The child rows at ``key`` (their table's name and their parent's key) as written."""
        self._children[key] = rows

    def version_of(self, key: Key) -> int | None:
        """The version of the row at ``key`` its next save is checked against, if known."""
        return self._versions.get(key)

    def row_of(self, key: Key) -> Row | None:
        """The row at ``key`` as this transaction first read or last wrote it, if it did."""
        return self._rows.get(key)

    def children_of(self, key: Key) -> Sequence[Row] | None:
        return self._children.get(key)

    def was_added(self, key: Key) -> bool:
        """Whether this transaction inserted the row at ``key``: nobody else sees it yet."""
        return key in self._added

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

    async def fetch(
        self,
        statement: sa.Executable,
        parameters: Mapping[str, Any] | None = None,
        *,
        key: Key | None = None,
        tables: Collection[str] | None = None,
        lock: bool = False,
    ) -> Sequence[Row]:
        """The rows of a read, made after every write of this transaction it could see: a read
        of the row at ``key``, of rows of ``tables``, or of any rows when both are ``None``.

        ``statement`` either carries its values, or is built once (at import) and given its
        ``parameters`` apart: only the latter may be prepared once and run on the driver
        (:mod:`.postgres_transaction`). With ``lock``, the statement locks the rows it reads
        (``FOR UPDATE``): they stay locked until this transaction ends."""
        if lock:
            await self._ready_to_lock()
        if any(self._could_see(pending.key, key, tables) for pending in self._pending):
            await self.flush()
        connection = await self._connect()
        return await self._read(connection, statement, parameters, lock)

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

    async def _ready_to_lock(self) -> None:
        """Ready for a read whose row locks must hold until the end: nothing to do here, where
        the transaction that the first statement began holds them."""

    async def _read(
        self, connection: AsyncConnection, statement: sa.Executable, values: Values, begin: bool
    ) -> Sequence[Row]:
        """The rows of ``statement`` through ``execute``, in the transaction that the first
        statement began (``begin`` or not)."""
        return (await connection.execute(statement, values)).mappings().all()

    @staticmethod
    def _could_see(written: Key | None, key: Key | None, tables: Collection[str] | None) -> bool:
        if written is None:
            return True
        if key is not None:
            return written == key
        return tables is None or written[0] in tables

    # -- writing ----------------------------------------------------------------------------

    async def write(self, key: Key | None, steps: Sequence[Step]) -> None:
        """Make ``steps``, the write of the row at ``key`` (``None``: of rows no key names), now
        or at the latest when this transaction commits."""
        if self._holds_back():
            self._pending.append(_Pending(key, steps))
            return
        connection = await self._ready_to_write()
        try:
            await self._run(connection, steps)
        except BaseException as error:
            await self._give_up(error)

    async def write_now(
        self, statement: sa.Executable, parameters: Mapping[str, Any] | None = None
    ) -> int:
        """Make a write now, after every write held back, and tell how many rows it changed."""
        connection = await self._ready_to_write()
        try:
            return (await connection.execute(statement, parameters)).rowcount
        except BaseException as error:
            await self._give_up(error)

    async def insert_unless_known(self, key: Key, table: sa.Table, row: Mapping[str, Any]) -> bool:
        """Insert ``row`` into ``table`` as the row at ``key`` (its primary key) unless there is
        one: written by this transaction or committed. ``False``, and nothing written, when
        there is. Of two transactions inserting one key at once, one fails with
        ``DuplicateRecord``, here or at the latest when it commits."""
        if any(pending.key == key for pending in self._pending):
            return False
        if await self.fetch(_exists(table), {"key_": key[1]}, key=key):
            return False
        await self.write(key, [Step(_insert(table), row, mergeable=True)])
        return True

    async def flush(self) -> None:
        """Make every write held back, now."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        try:
            connection = await self._connect()
            for each in pending:
                await self._run(connection, each.steps)
        except BaseException as error:
            await self._give_up(error)

    def _holds_back(self) -> bool:
        """Whether a write waits for the commit (or a read that could see it): here, never."""
        return False

    async def _ready_to_write(self) -> AsyncConnection:
        """The connection a write made now goes to, every write held back made before it."""
        await self.flush()
        return await self._connect()

    async def _run(self, connection: AsyncConnection, steps: Sequence[Step]) -> None:
        """One write, without a savepoint: a refused write rolls the whole transaction back."""
        await run_steps(connection, steps)

    async def _give_up(self, error: BaseException, refused: str | None = None) -> NoReturn:
        """End this transaction for ``error``: roll it back and raise the port's error that
        ``error`` stands for (:func:`.refusals.translated`), or ``error`` itself."""
        await self.rollback()
        port_error = translated(error, refused)
        if port_error is None:
            raise error
        raise port_error from error

    # -- ending -----------------------------------------------------------------------------

    async def commit(self) -> None:
        """Every write made and kept, or (raising) none of them."""
        await self.flush()
        connection = self._connection
        if connection is not None and connection.in_transaction():
            try:
                await connection.commit()
            except BaseException as error:
                await self._give_up(error)
        self._reset()

    async def rollback(self) -> None:
        self._pending.clear()
        connection = self._connection
        try:
            if connection is not None and connection.in_transaction():
                await connection.rollback()
        finally:
            self._reset()

    def _reset(self) -> None:
        self._versions.clear()
        self._rows.clear()
        self._children.clear()
        self._added.clear()


@functools.cache
def _exists(table: sa.Table) -> sa.Select[Any]:
    """Whether ``table`` has the row whose primary key is ``key_``; built once per table."""
    (key,) = table.primary_key.columns
    return sa.select(sa.literal_column("1")).where(key == sa.bindparam("key_"))


@functools.cache
def _insert(table: sa.Table) -> sa.Insert:
    return table.insert()
