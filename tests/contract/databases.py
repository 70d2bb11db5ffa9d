"""Fresh SQL databases for tests, with their schema made by the migrations."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import pool, text
from sqlalchemy.engine import make_url

from adapters.sqlalchemy import SqlUnitOfWorkFactory, create_engine, upgrade

POSTGRES_URL = os.environ.get("STOREPAY_TEST_POSTGRES_URL")
NO_POSTGRES = "STOREPAY_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against"


@asynccontextmanager
async def sql_database(url: str) -> AsyncIterator[SqlUnitOfWorkFactory]:
    """Units of work on the database at ``url``, migrated to the newest schema."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        yield SqlUnitOfWorkFactory(engine)
    finally:
        await engine.dispose()


def sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / f'storepay-{uuid.uuid4().hex}.sqlite3'}"


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped on leaving."""
    if POSTGRES_URL is None:
        pytest.skip(NO_POSTGRES)
    server = make_url(POSTGRES_URL)
    name = f"storepay_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()
