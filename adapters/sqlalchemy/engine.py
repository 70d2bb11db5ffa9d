"""Async engines for SQLite (the embedded default) and PostgreSQL.

SQLite: WAL so readers never wait for the writer, a busy timeout so writers queue instead of
failing, foreign keys on, and transactions begun by SQLAlchemy rather than by the driver (the
driver's own implicit BEGIN would defeat savepoints and ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import asyncio
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from .fair_pool import FairAsyncPool

BUSY_TIMEOUT_MS = 30_000
_IMMEDIATE = "storepay.begin_immediate"
_WRITE_LOCKS: WeakKeyDictionary[Engine, WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]]
_WRITE_LOCKS = WeakKeyDictionary()


def create_engine(
    database_url: str, *, pool_size: int | None = None, **options: Any
) -> AsyncEngine:
    """An engine for ``database_url`` (``sqlite+aiosqlite:///path`` or ``postgresql+asyncpg://``).

    ``pool_size`` connections at most, each kept open once made: past them a unit of work waits
    for one to come back. (SQLAlchemy's default pool opens up to ten more under load and closes
    each as it comes back, so every busy moment paid for new connections, a TLS attempt and a
    login on PostgreSQL.) Units of work waiting for one are served in turn (:mod:`.fair_pool`).
    An in-memory SQLite database has one connection and no pool to size.
    """
    url = make_url(database_url)
    if pool_size is not None and url.database not in (None, "", ":memory:"):
        options = {
            "pool_size": pool_size,
            "max_overflow": 0,
            "poolclass": FairAsyncPool,
            **options,
        }
    engine = create_async_engine(database_url, **options)
    if url.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    return engine


def begin_immediately(connection: AsyncConnection) -> None:
    """Make the connection's next transaction a write transaction from the start (SQLite)."""
    connection.info[_IMMEDIATE] = True


def write_lock(engine: AsyncEngine) -> asyncio.Lock:
    """The lock a SQLite writer of this process takes before ``BEGIN IMMEDIATE`` and keeps until
    its transaction ends: the writers of one process queue on it and each starts the moment the
    one before it is done, instead of polling SQLite's busy handler, whose sleeps grow to 100 ms.
    One lock per engine and event loop; writers in other processes still meet the busy timeout."""
    per_loop = _WRITE_LOCKS.setdefault(engine.sync_engine, WeakKeyDictionary())
    loop = asyncio.get_running_loop()
    lock = per_loop.get(loop)
    if lock is None:
        lock = per_loop[loop] = asyncio.Lock()
    return lock


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.info.pop(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
