"""Which of the database's refusals is a duplicate key.

A duplicate is news a use case acts on (an event delivered twice, a concurrent checkout that
recorded the attempt first): the repositories raise it as the port's ``DuplicateRecord``. Any
other refusal (a CHECK, a foreign key, a NOT NULL) means storepay tried to write what its own
rules forbid: it stays the database's ``IntegrityError``, a fault to report, never to be taken
for a duplicate and answered as one.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

_UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE
_SQLITE_DUPLICATES = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})


def is_duplicate_key(error: IntegrityError) -> bool:
    refusal = error.orig
    sqlstate = getattr(refusal, "sqlstate", None)
    if sqlstate is not None:
        return bool(sqlstate == _UNIQUE_VIOLATION)
    return getattr(refusal, "sqlite_errorname", None) in _SQLITE_DUPLICATES
