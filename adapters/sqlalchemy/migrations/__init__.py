"""The schema's history, and the way to bring a database up to date with it.

The configuration is built in code (no ``alembic.ini``), so migrations run the same from a
source checkout and from an installed package.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from ..engine import create_engine

HERE = Path(__file__).resolve().parent


def alembic_config(database_url: str | None = None, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("path_separator", "os")
    if database_url is not None:
        # ConfigParser interpolates "%": a password may hold one.
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database at ``database_url`` to ``revision`` (the newest by default)."""
    await _run(database_url, lambda config: command.upgrade(config, revision))


async def downgrade(database_url: str, revision: str = "base") -> None:
    """Migrate the database at ``database_url`` back to ``revision`` (empty by default)."""
    await _run(database_url, lambda config: command.downgrade(config, revision))


def migration_engine(database_url: str) -> AsyncEngine:
    """An engine to migrate the database at ``database_url`` with.

    SQLite alters a table by copying it into a new one and dropping the old (Alembic's batch
    mode). With foreign keys enforced, dropping it would delete, or refuse for, the rows that
    refer to it, so they are off while migrating; :func:`check_foreign_keys` runs before commit.
    """
    engine = create_engine(database_url, poolclass=pool.NullPool)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _foreign_keys_off(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.close()

    return engine


def check_foreign_keys(connection: Connection) -> None:
    """Refuse to commit a migration that left a row referring to nothing (SQLite)."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"the migration left rows referring to nothing: {broken}")


async def _run(database_url: str, step: Callable[[Config], None]) -> None:
    engine = migration_engine(database_url)

    def run(connection: Connection) -> None:
        step(alembic_config(database_url, connection))

    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()
