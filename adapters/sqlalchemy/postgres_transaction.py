"""A transaction on PostgreSQL (asyncpg): reads without a transaction, writes merged at the commit.

Reads made before the first write run outside a transaction, one statement each: at READ
COMMITTED every statement of a transaction takes a snapshot of its own anyway, so a transaction
around them would add a ``BEGIN`` and nothing else; the versions the writes check keep what was
read from being overwritten. A read that locks its rows (``lock=True``) is the exception: it
begins the transaction, so that its ``FOR UPDATE`` holds until the commit.

Which reads go straight to asyncpg (:mod:`.asyncpg_direct`): those of a statement built once
and given its parameters apart, compiled once (:mod:`.compiled`); a statement that carries its
values, or that is completed only at execution (an ``IN`` of a list), goes through
``execute``. Writes given as steps wait for the commit (or a read that could see them) and go
out there as one statement that fails whole on a changed version (:mod:`.merged_writes`): a unit
of work that only read before them commits in one statement, with no ``BEGIN`` nor ``COMMIT``.
Writes that cannot be merged run one statement at a time on the driver, in the transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from application.ports import ConcurrentUpdate

from .asyncpg_direct import Driver
from .compiled import Compiled, NotFixed, compiled
from .merged_writes import merged
from .steps import Parameters, Step, run_steps
from .transaction import Key, Row, Transaction, Values


class PostgresTransaction(Transaction):
    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self._driver: Driver | None = None

    async def close(self) -> None:
        await super().close()
        self._driver = None

    # -- reading ----------------------------------------------------------------------------

    async def _read(
        self, connection: AsyncConnection, statement: sa.Executable, values: Values, begin: bool
    ) -> Sequence[Row]:
        """The rows of ``statement``: on the driver when it was given its parameters apart, in
        the transaction if one was begun (or ``begin``), else by itself."""
        if values is not None:
            try:
                prepared = compiled(self._engine.dialect, statement, tuple(values))
            except NotFixed:
                pass
            else:
                driver = await self._driver_of(connection)
                records, _ = await driver.fetch(prepared, prepared.values(values), begin=begin)
                return [prepared.row(record) for record in records]
        return await super()._read(connection, statement, values, begin)

    async def _driver_of(self, connection: AsyncConnection) -> Driver:
        if self._driver is None or connection.invalidated:
            self._driver = await Driver.of(connection)
        elif not connection.in_transaction():
            await connection.begin()
        return self._driver

    # -- writing ----------------------------------------------------------------------------

    def _holds_back(self) -> bool:
        return True  # to be merged at the commit

    async def insert_unless_known(self, key: Key, table: sa.Table, row: Mapping[str, Any]) -> bool:
        """In one statement made now: a concurrent insert of the same key waits for this
        transaction, then finds the row there (or inserts it, after a rollback)."""
        connection = await self._ready_to_write()
        try:
            inserted = await self._read(connection, _insert_or_nothing(table), row, begin=True)
        except BaseException as error:
            await self._give_up(error)
        return bool(inserted)

    async def _run(self, connection: AsyncConnection, steps: Sequence[Step]) -> None:
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
        if self._pending:
            await self._write_merged()
        await super().commit()

    async def _write_merged(self) -> None:
        """The held-back writes in one statement, when they can be (else they stay held back,
        for :meth:`flush` to make one at a time)."""
        statement = merged(
            self._engine.dialect, [(pending.key, pending.steps) for pending in self._pending]
        )
        if statement is None:
            return
        self._pending = []
        try:
            driver = await self._driver_of(await self._connect())
            # Whole on its own: inside the transaction if one was begun, else by itself.
            await driver.fetch(statement, statement.values, begin=False)
        except BaseException as error:
            await self._give_up(error, refused="; ".join(statement.refused))


@functools.cache
def _insert_or_nothing(table: sa.Table) -> sa.Insert:
    """Insert a row into ``table`` unless its primary key is taken, returning it if inserted;
    built once per table."""
    return (
        postgresql.insert(table)
        .on_conflict_do_nothing(index_elements=list(table.primary_key.columns))
        .returning(*table.primary_key.columns)
    )
