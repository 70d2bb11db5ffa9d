"""The checks around migrations: the one run before the tests (the migrations make the schema
the tables describe, and a change to the tables without a migration fails it), and the one a
migration on SQLite passes before it commits."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from adapters.sqlalchemy import tables
from adapters.sqlalchemy.migrations import check_foreign_keys
from adapters.sqlalchemy.migrations.check import main

from .databases import sqlite_url


def test_the_migrations_make_the_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0  # on a SQLite database of its own, removed afterwards
    assert "The migrations make the schema the tables describe." in capsys.readouterr().out


def test_a_table_changed_without_a_migration_fails_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = sa.MetaData(naming_convention=dict(tables.metadata.naming_convention))
    for table in tables.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["payments"].append_column(sa.Column("note", sa.Text))
    monkeypatch.setattr(tables, "metadata", changed)

    assert main([sqlite_url(tmp_path)]) == 1
    assert "'payments', Column('note'" in capsys.readouterr().err


def test_the_check_takes_one_database_at_most(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sqlite://", "sqlite://"]) == 2
    assert "python -m adapters.sqlalchemy.migrations.check" in capsys.readouterr().err


def test_a_migration_that_leaves_a_row_referring_to_nothing_does_not_commit() -> None:
    engine = sa.create_engine("sqlite://")  # foreign keys unenforced, as while migrating
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
            connection.exec_driver_sql(
                "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id REFERENCES parent (id))"
            )
            check_foreign_keys(connection)
            connection.exec_driver_sql("INSERT INTO child VALUES (1, 7)")

            with pytest.raises(RuntimeError, match="referring to nothing"):
                check_foreign_keys(connection)
    finally:
        engine.dispose()
