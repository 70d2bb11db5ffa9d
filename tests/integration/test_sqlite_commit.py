"""A SQLite unit of work's one-trip commit on a real SQLite file: all of its writes or none, a
version check or a duplicate refusing the lot, and another process's write transaction waited
for as SQLite's busy timeout says."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from adapters.sqlalchemy.sqlite_commit import compile_steps, write_and_commit
from adapters.sqlalchemy.steps import Step
from application.ports import ConcurrentUpdate

metadata = sa.MetaData()
notes = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("text", sa.String, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)
INSERT = notes.insert()
UPDATE = sa.update(notes).where(
    notes.c.id == sa.bindparam("key_"), notes.c.version == sa.bindparam("read_")
)
DIALECT = sqlite.dialect()


@pytest.fixture
def database(tmp_path: Path) -> sqlite3.Connection:
    path = tmp_path / "notes.sqlite3"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("CREATE TABLE notes (id TEXT PRIMARY KEY, text TEXT NOT NULL, version INT)")
    connection.execute("INSERT INTO notes VALUES ('n1', 'first', 1)")
    return connection


def rows(connection: sqlite3.Connection) -> list[tuple[str, str, int]]:
    return connection.execute("SELECT id, text, version FROM notes ORDER BY id").fetchall()


def commit(connection: sqlite3.Connection, *steps: Step) -> None:
    statements = compile_steps(DIALECT, steps)
    assert statements is not None
    write_and_commit(connection, statements)


def test_every_write_is_committed_together(database: sqlite3.Connection) -> None:
    commit(
        database,
        Step(INSERT, {"id": "n2", "text": "second", "version": 1}),
        Step(UPDATE, {"text": "changed", "version": 2, "key_": "n1", "read_": 1}, "n1 changed"),
        Step(
            INSERT,
            [
                {"id": "n3", "text": "third", "version": 1},
                {"id": "n4", "text": "fourth", "version": 1},
            ],
        ),
    )
    assert rows(database) == [
        ("n1", "changed", 2),
        ("n2", "second", 1),
        ("n3", "third", 1),
        ("n4", "fourth", 1),
    ]
    assert not database.in_transaction


def test_a_failed_version_check_refuses_every_write(database: sqlite3.Connection) -> None:
    with pytest.raises(ConcurrentUpdate, match="n1 was changed"):
        commit(
            database,
            Step(INSERT, {"id": "n2", "text": "second", "version": 1}),
            Step(UPDATE, {"text": "x", "version": 3, "key_": "n1", "read_": 2}, "n1 was changed"),
        )
    assert rows(database) == [("n1", "first", 1)]
    assert not database.in_transaction


def test_a_duplicate_refuses_every_write_as_an_integrity_error(
    database: sqlite3.Connection,
) -> None:
    with pytest.raises(IntegrityError):
        commit(
            database,
            Step(INSERT, {"id": "n2", "text": "second", "version": 1}),
            Step(INSERT, {"id": "n1", "text": "again", "version": 1}),
        )
    assert rows(database) == [("n1", "first", 1)]


def test_another_writer_is_waited_for_until_the_busy_timeout(
    database: sqlite3.Connection, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "notes.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    database.execute("PRAGMA busy_timeout=50")
    with pytest.raises(OperationalError, match="locked"):
        commit(database, Step(INSERT, {"id": "n2", "text": "second", "version": 1}))
    other.execute("ROLLBACK")
    assert rows(database) == [("n1", "first", 1)]


def test_values_go_through_the_column_types_bind_processing(
    database: sqlite3.Connection,
) -> None:
    flagged = sa.Table("flags", sa.MetaData(), sa.Column("on", sa.Boolean))
    database.execute('CREATE TABLE flags ("on" INT)')
    commit(database, Step(flagged.insert(), {"on": True}))
    assert database.execute('SELECT "on" FROM flags').fetchall() == [(1,)]


def test_statements_expanded_at_execution_are_left_to_execute() -> None:
    expanding = sa.delete(notes).where(notes.c.id.in_(["n1", "n2"]))
    assert compile_steps(DIALECT, [Step(expanding)]) is None
