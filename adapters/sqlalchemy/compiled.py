"""Statements compiled once, with their parameters and rows converted as ``execute`` converts them.

``Connection.execute`` spends more of the CPU of a short statement on its own machinery (an
execution context, a cursor result, a greenlet switch each way) than the driver spends sending
it. For the statements storepay runs most, built once and run with parameters, the compiled form
is kept here with what ``execute`` would apply to each value going in (UTC datetimes, booleans,
JSON...) and to each column coming out, so that a statement can run straight on the driver
(:mod:`.sqlite_commit`, :mod:`.asyncpg_direct`) and still read and write exactly the values
``execute`` would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

Convert = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    names: Sequence[str]  # the parameters, in the order the SQL takes them
    compiler: SQLCompiler
    bind: Mapping[str, Convert]  # what ``execute`` applies to a parameter going in
    columns: Sequence[str]  # the result's keys, in order
    results: Sequence[Convert | None]  # what ``execute`` applies to each column coming out

    def values(self, parameters: Mapping[str, Any] | None) -> list[Any]:
        """The statement's parameters as the driver takes them, in order."""
        given = self.compiler.construct_params(parameters)
        bind = self.bind
        return [bind[name](given[name]) if name in bind else given[name] for name in self.names]

    def row(self, record: Sequence[Any]) -> dict[str, Any]:
        """One row of the driver's, by the result's keys."""
        return {
            column: value if convert is None else convert(value)
            for column, convert, value in zip(self.columns, self.results, record, strict=True)
        }


class NotFixed(Exception):
    """The statement is completed only at execution (an ``IN`` of a list, a literal limit
    rendered from a parameter): only ``execute`` can run it."""


# By dialect, statement and the columns its parameters name (an INSERT or UPDATE compiled for
# some columns sets only those). The statement is kept too: its id is only unique while it lives.
_kept: dict[tuple[str, Any, int, tuple[str, ...]], tuple[sa.Executable, Compiled]] = {}
_KEPT = 512


def compiled(
    dialect: Dialect, statement: sa.Executable, keys: Sequence[str] | None = None
) -> Compiled:
    """``statement`` compiled for ``dialect`` (its parameters named by ``keys``); kept for the next
    call when ``keys`` is given (a statement built once, run with parameters), compiled afresh
    when it is ``None`` (a statement that carries its own values). Raises :class:`NotFixed`."""
    if keys is None:
        return _compile(dialect, statement, None)
    cache_key = (dialect.name, dialect.server_version_info, id(statement), tuple(keys))
    known = _kept.get(cache_key)
    if known is not None and known[0] is statement:
        return known[1]
    made = _compile(dialect, statement, list(keys))
    if len(_kept) >= _KEPT:
        _kept.clear()
    _kept[cache_key] = (statement, made)
    return made


def _compile(dialect: Dialect, statement: sa.Executable, keys: list[str] | None) -> Compiled:
    element = cast(ClauseElement, statement)
    compiler = cast(
        SQLCompiler,
        element.compile(dialect=dialect)
        if keys is None
        else element.compile(dialect=dialect, column_keys=keys),
    )
    if compiler.literal_execute_params or compiler.post_compile_params:
        raise NotFixed
    results = []
    for entry in compiler._result_columns:
        type_ = entry[3]
        results.append(type_._cached_result_processor(dialect, None))
    return Compiled(
        sql=compiler.string,
        names=tuple(compiler.positiontup or ()),
        compiler=compiler,
        bind=cast(Mapping[str, Convert], compiler._bind_processors),
        columns=tuple(entry[0] for entry in compiler._result_columns),
        results=tuple(results),
    )
