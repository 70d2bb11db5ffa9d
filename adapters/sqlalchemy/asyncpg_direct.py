"""Compiled statements run straight on asyncpg's connection, inside SQLAlchemy's transaction.

The statement goes through the same prepared-statement cache, transaction and error translation
as SQLAlchemy's own asyncpg cursor uses (the adapter connection's), without an execution
context, a cursor result or the greenlet switches around them: a webhook's statements
cost the worker a third of what they cost through ``execute``. SQLAlchemy's connection still
owns the transaction (commit, rollback, the pool's reset) and sees errors as it would have
raised them: a duplicate key is an ``IntegrityError``, a lost connection a ``DBAPIError`` with
the connection invalidated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from .compiled import Compiled
from .merged_writes import MergedWrites

_ROWCOUNT = re.compile(r"(?:SELECT|UPDATE|DELETE|INSERT \d+) (\d+)")


class Driver:
    """The asyncpg side of one SQLAlchemy connection, for as long as that connection holds it."""

    def __init__(self, connection: AsyncConnection, adapted: Any) -> None:
        self._connection = connection
        self._adapted = adapted  # SQLAlchemy's AsyncAdapt_asyncpg_connection

    @classmethod
    async def of(cls, connection: AsyncConnection) -> Driver:
        """``connection``'s driver, with ``connection`` in a transaction (begun if it was not:
        SQLAlchemy commits or rolls back only a transaction it knows of)."""
        if not connection.in_transaction():
            await connection.begin()
        raw = await connection.get_raw_connection()
        return cls(connection, raw.dbapi_connection)

    @property
    def _schema_changed_at(self) -> float:
        # When prepared statements were last declared stale (SQLAlchemy's dialect keeps it).
        return float(getattr(self._connection.dialect, "_invalidate_schema_cache_asof", 0))

    @property
    def in_transaction(self) -> bool:
        """Whether PostgreSQL has begun a transaction on the connection (asyncpg's ``BEGIN``)."""
        return self._adapted._transaction is not None

    async def fetch(
        self, statement: Compiled | MergedWrites, values: Sequence[Any], *, begin: bool = True
    ) -> tuple[list[Sequence[Any]], int]:
        """The rows ``statement`` returns and the count of rows it read or changed. With
        ``begin`` false, a statement outside a transaction runs on its own (autocommit)."""
        adapted = self._adapted
        try:
            async with adapted._execute_mutex:
                if begin and adapted._transaction is None:
                    await adapted._start_transaction()
                prepared, _ = await adapted._prepare(statement.sql, self._schema_changed_at)
                records = await prepared.fetch(*values)
                status = _ROWCOUNT.match(prepared.get_statusmsg() or "")
        except Exception as error:
            raise await self._translated(error, statement, values) from error
        return records, int(status.group(1)) if status else -1

    async def execute_many(self, statement: Compiled, rows: Sequence[Sequence[Any]]) -> None:
        """``statement`` once for each of ``rows``, in one trip (asyncpg's ``executemany``)."""
        adapted = self._adapted
        try:
            async with adapted._execute_mutex:
                if adapted._transaction is None:
                    await adapted._start_transaction()
                await adapted._connection.executemany(statement.sql, rows)
        except Exception as error:
            raise await self._translated(error, statement, rows) from error

    async def _translated(
        self, error: Exception, statement: Compiled | MergedWrites, values: Any
    ) -> Exception:
        """``error`` as SQLAlchemy would have raised it, the connection invalidated if it is
        lost (the pool then drops it instead of handing it out again)."""
        try:
            self._adapted._handle_exception(error)  # raises the DBAPI error for asyncpg's
        except Exception as translated:
            dialect = self._connection.dialect
            dbapi_error = dialect.loaded_dbapi.Error
            if not isinstance(translated, dbapi_error):
                return translated
            lost = dialect.is_disconnect(translated, self._adapted, None)
            if lost:
                await self._connection.invalidate(translated)
            return DBAPIError.instance(
                statement.sql,
                values,
                translated,
                dbapi_error,
                connection_invalidated=lost,
                dialect=dialect,
            )
        return error
