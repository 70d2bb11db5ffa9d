"""A SQLite transaction's writes, made and committed in one trip to the driver's thread.

aiosqlite runs each statement on its connection's own thread and wakes the event loop when it
is done: one trip per statement, each waiting its turn on a loop that is serving every other
request meanwhile. A writer holds the process's write lock (``engine.write_lock``) from its
``BEGIN IMMEDIATE`` to its ``COMMIT``, so at one trip a statement a webhook's seven kept every
other writer waiting for seven turns of a busy loop. Here the statements are compiled on the
loop (:mod:`.compiled`), with the bind processing an ``execute`` applies, and the thread runs
``BEGIN IMMEDIATE``, all of them and ``COMMIT`` at once: the lock is held for one trip.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from application.ports import ConcurrentUpdate

from .compiled import NotFixed, compiled
from .steps import Step


@dataclass(frozen=True, slots=True)
class CompiledStep:
    sql: str
    rows: list[list[Any]]
    many: bool
    refused: str | None


def compile_steps(dialect: Dialect, steps: Sequence[Step]) -> list[CompiledStep] | None:
    """``steps`` as SQL and rows of values, or ``None`` when one of them is completed only at
    execution (an ``IN`` of a list, say) and they must run through ``execute``."""
    try:
        return [_compile(dialect, step) for step in steps]
    except NotFixed:
        return None


def _compile(dialect: Dialect, step: Step) -> CompiledStep:
    parameters = step.parameters
    many = isinstance(parameters, Sequence)
    each = parameters if isinstance(parameters, Sequence) else [parameters or {}]
    keys = None if parameters is None else tuple(each[0]) if each else ()
    statement = compiled(dialect, step.statement, keys)
    rows = [statement.values(values) for values in each]
    return CompiledStep(statement.sql, rows, many, step.refused)


async def commit_at_once(connection: AsyncConnection, statements: Sequence[CompiledStep]) -> None:
    """``BEGIN IMMEDIATE``, ``statements`` and ``COMMIT`` in one trip to aiosqlite's thread, on a
    connection that is in no transaction; rolled back there if any fails. Errors come back as
    SQLAlchemy's (an ``IntegrityError`` for a duplicate, an ``OperationalError`` for a locked
    database), or as :class:`ConcurrentUpdate` for a version check that found the row changed.
    """
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    await driver._execute(write_and_commit, driver._conn, statements)  # type: ignore[union-attr]


def write_and_commit(connection: sqlite3.Connection, statements: Sequence[CompiledStep]) -> None:
    """On aiosqlite's thread (or any thread owning ``connection``, a connection in no
    transaction): ``BEGIN IMMEDIATE``, ``statements``, ``COMMIT``, or ``ROLLBACK`` and the error."""
    current: CompiledStep | None = None
    try:
        connection.execute("BEGIN IMMEDIATE")
        for current in statements:
            if current.many:
                cursor = connection.executemany(current.sql, current.rows)
            else:
                cursor = connection.execute(current.sql, current.rows[0])
            if current.refused is not None and cursor.rowcount != 1:
                raise ConcurrentUpdate(current.refused)
        current = None
        connection.execute("COMMIT")
    except BaseException as error:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        if isinstance(error, sqlite3.Error):
            sql = current.sql if current is not None else "COMMIT"
            raise DBAPIError.instance(sql, None, error, sqlite3.Error, dialect=None) from error
        raise
