"""What the database's refusals mean to the use cases: the one translation of them.

A duplicate key is news a use case acts on (an event delivered twice, a concurrent checkout that
recorded the attempt first): it reaches the use cases as the port's ``DuplicateRecord``. A
serialization failure (SQLSTATE ``40001``, ``serialization_failure``) is another transaction's
change getting in the way: PostgreSQL raises it itself at stricter isolation levels, and a
merged write raises it on purpose when one of its version checks finds its row changed
(:mod:`.merged_writes`). It reaches them as ``ConcurrentUpdate``, and the unit of work runs
again. Any other refusal (a CHECK, a foreign key, a NOT NULL) means storepay tried to write
what its own rules forbid: it stays the database's error, a fault to report, never to be taken
for a duplicate and answered as one.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError

from application.ports import ConcurrentUpdate, DuplicateRecord

SERIALIZATION_FAILURE = "40001"  # PostgreSQL's SQLSTATE
_UNIQUE_VIOLATION = "23505"
_SQLITE_DUPLICATES = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})


def translated(error: BaseException, refused: str | None = None) -> Exception | None:
    """The port's error that ``error`` stands for, or ``None`` when it stands for none.
    ``refused`` says what a serialization failure refused, when the caller knows."""
    if isinstance(error, IntegrityError) and _is_duplicate_key(error):
        return DuplicateRecord(str(error.orig))
    if isinstance(error, DBAPIError) and _sqlstate(error) == SERIALIZATION_FAILURE:
        return ConcurrentUpdate(refused or str(error.orig))
    return None


def _is_duplicate_key(error: IntegrityError) -> bool:
    sqlstate = _sqlstate(error)
    if sqlstate is not None:
        return sqlstate == _UNIQUE_VIOLATION
    return getattr(error.orig, "sqlite_errorname", None) in _SQLITE_DUPLICATES


def _sqlstate(error: DBAPIError) -> str | None:
    sqlstate = getattr(error.orig, "sqlstate", None)
    return None if sqlstate is None else str(sqlstate)
