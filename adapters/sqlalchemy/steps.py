"""A write as its repositories describe it: statements with their parameters and version checks,
which the transaction runs one at a time or, on SQLite, all at once at the commit
(:mod:`.sqlite_commit`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from application.ports import ConcurrentUpdate

Parameters = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


@dataclass(frozen=True, slots=True)
class Step:
    """One statement of a write, with its parameters (a list of them: executed for each). When
    ``refused`` is set, the statement must change exactly one row, or the unit of work fails
    with that message (a version check). A ``mergeable`` step writes only the row its write is
    keyed by (or, given a list, inserts new rows with a plain INSERT), so that it can go out in
    one statement with others (:mod:`.merged_writes`)."""

    statement: sa.Executable
    parameters: Parameters = None
    refused: str | None = None
    mergeable: bool = False


async def run_steps(connection: AsyncConnection, steps: Sequence[Step]) -> None:
    """``steps`` one at a time, on a connection already in its transaction."""
    for step in steps:
        result = await connection.execute(step.statement, step.parameters)
        if step.refused is not None and result.rowcount != 1:
            raise ConcurrentUpdate(step.refused)
