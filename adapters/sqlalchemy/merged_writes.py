"""A unit of work's held-back writes sent to PostgreSQL as one statement at the commit.

Each statement is a round trip: the worker sends, waits, wakes; PostgreSQL parses a message,
binds and executes. A webhook's three writes (the payment, its order, the ledger entries) go
out instead as one statement of data-modifying CTEs, and the version check of each UPDATE is
made by the statement itself, from the number of rows it changed::

    WITH w0 AS (UPDATE payments ... RETURNING 1),
         w1 AS (UPDATE orders ... RETURNING 1),
         w2 AS (INSERT INTO ledger_entries ... VALUES (...), (...))
    SELECT CASE WHEN (SELECT count(*) FROM w0) = 1 AND (SELECT count(*) FROM w1) = 1
                THEN 1 ELSE storepay_version_changed() END

A version found changed calls ``storepay_version_changed()`` (made by migration 0007), which
raises ``serialization_failure``, SQLSTATE 40001: the statement fails, and with it every part
of it, and :mod:`.refusals` reads the error as ``ConcurrentUpdate``. So the statement is whole
on its own, and a unit of work that wrote nothing before it needs no transaction around it (no
``BEGIN``, no ``COMMIT``: two round trips fewer).

Every part of one statement works on the same snapshot and none sees what another changes, so
only writes that cannot meet are merged: steps their repository marked ``mergeable`` (a row
inserted or updated by its key, with nothing else in the statement), each to a table of its
own (which also keeps the order of rows inserted into one table: PostgreSQL runs the parts of
a statement in no promised order). Anything else runs one statement at a time, as before.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from .compiled import NotFixed, compiled
from .steps import Step

_PARAMETER = re.compile(r"\$(\d+)")
_REFUSE = "storepay_version_changed()"  # raises serialization_failure (40001)


@dataclass(frozen=True, slots=True)
class MergedWrites:
    sql: str
    values: list[Any]
    refused: list[str]  # the message of each version check


def merged(
    dialect: Dialect, writes: Sequence[tuple[Hashable | None, Sequence[Step]]]
) -> MergedWrites | None:
    """``writes`` (each its key and steps) as one statement, or ``None`` where they must run one
    at a time (no step, a step not mergeable, a key written twice)."""
    steps = [step for _, each in writes for step in each]
    keys = [key for key, _ in writes if key is not None]
    if not steps or len(set(keys)) != len(keys):
        return None
    if not all(step.mergeable and step.parameters for step in steps):
        return None
    tables = [getattr(step.statement, "table", None) for step in steps]
    if None in tables or len(set(tables)) != len(tables):
        return None  # two writes to one table: their order (a ledger's sequence) would be lost
    parts: list[str] = []
    values: list[Any] = []
    counts: list[str] = []
    refused: list[str] = []
    for number, step in enumerate(steps):
        try:
            sql, step_values = _one_statement(dialect, step)
        except NotFixed:
            return None
        if "'" in sql:  # a literal could hold what looks like a parameter: leave it alone
            return None
        sql = _renumbered(sql, len(values))
        values += step_values
        if step.refused is None:
            parts.append(f"w{number} AS ({sql})")
        else:
            parts.append(f"w{number} AS ({sql} RETURNING 1)")
            counts.append(f"(SELECT count(*) FROM w{number}) = 1")
            refused.append(step.refused)
    checked = f"CASE WHEN {' AND '.join(counts)} THEN 1 ELSE {_REFUSE} END" if counts else "1"
    return MergedWrites(f"WITH {', '.join(parts)} SELECT {checked}", values, refused)


def _renumbered(sql: str, offset: int) -> str:
    """``sql`` with its parameters ``$1``, ``$2``... numbered from ``offset + 1``."""
    return _PARAMETER.sub(lambda found: f"${int(found.group(1)) + offset}", sql)


def _one_statement(dialect: Dialect, step: Step) -> tuple[str, list[Any]]:
    parameters = step.parameters
    if isinstance(parameters, Mapping):
        statement = compiled(dialect, step.statement, tuple(parameters))
        return statement.sql, statement.values(parameters)
    assert parameters  # a list of rows to insert: one INSERT of them all, in their order
    keys = tuple(parameters[0])
    if any(tuple(row) != keys for row in parameters):
        raise NotFixed
    insert = _rows_insert(step.statement, keys, len(parameters))
    numbered = {
        f"{key}_{index}": value
        for index, row in enumerate(parameters)
        for key, value in row.items()
    }
    statement = compiled(dialect, insert, tuple(numbered))
    return statement.sql, statement.values(numbered)


@functools.lru_cache(maxsize=64)
def _rows_insert(statement: sa.Executable, keys: tuple[str, ...], count: int) -> sa.Insert:
    """The plain INSERT ``statement`` of ``count`` rows at once, the values of row ``i`` named
    ``<column>_<i>``."""
    if not isinstance(statement, sa.Insert):
        raise NotFixed
    table = statement.table
    assert isinstance(table, sa.Table)
    return sa.insert(table).values(
        [
            {key: sa.bindparam(f"{key}_{index}", type_=table.c[key].type) for key in keys}
            for index in range(count)
        ]
    )
