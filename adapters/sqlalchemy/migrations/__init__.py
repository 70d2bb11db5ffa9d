"""The schema's history, and the way to bring a database up to date with it.

The configuration is built in code (no ``alembic.ini``), so migrations run the same from a
source checkout and from an installed package.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import pool
from sqlalchemy.engine import Connection

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


async def _run(database_url: str, step: Callable[[Config], None]) -> None:
    engine = create_engine(database_url, poolclass=pool.NullPool)

    def run(connection: Connection) -> None:
        step(alembic_config(database_url, connection))

    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()
