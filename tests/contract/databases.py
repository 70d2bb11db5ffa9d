"""Fresh SQL databases for tests, with their schema made by the migrations.

Migrating takes longer than copying what a migration made, so each test session migrates once
into a template of its own (``storepay_test_template_<pid>`` on PostgreSQL, a file on SQLite)
and gives every test a copy of it. Whatever a session made is dropped when it ends.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy import SqlUnitOfWorkFactory, create_engine, upgrade

POSTGRES_URL = os.environ.get("STOREPAY_TEST_POSTGRES_URL")
NO_POSTGRES = "STOREPAY_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against"

# Names of this process's databases: sessions sharing a server (pytest-xdist workers, two
# checkouts) never touch one another's.
_PREFIX = f"storepay_test_{os.getpid()}_"
TEMPLATE = f"storepay_test_template_{os.getpid()}"


@asynccontextmanager
async def sql_database(url: str) -> AsyncIterator[SqlUnitOfWorkFactory]:
    """Units of work on the database at ``url``, migrated to the newest schema."""
    await upgrade(url)
    async with units_of_work(url) as factory:
        yield factory


@asynccontextmanager
async def units_of_work(url: str) -> AsyncIterator[SqlUnitOfWorkFactory]:
    """Units of work on the database at ``url``, as it is."""
    engine = create_engine(url)
    try:
        yield SqlUnitOfWorkFactory(engine)
    finally:
        await engine.dispose()


# -- SQLite ------------------------------------------------------------------------------------


def sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / f'storepay-{uuid.uuid4().hex}.sqlite3'}"


_sqlite_template: Path | None = None


@asynccontextmanager
async def migrated_sqlite(directory: Path) -> AsyncIterator[SqlUnitOfWorkFactory]:
    """Units of work on a new SQLite database in ``directory`` with the newest schema."""
    path = directory / f"storepay-{uuid.uuid4().hex}.sqlite3"
    shutil.copyfile(await _the_sqlite_template(), path)
    async with units_of_work(f"sqlite+aiosqlite:///{path}") as factory:
        yield factory


async def _the_sqlite_template() -> Path:
    global _sqlite_template
    if _sqlite_template is None:
        directory = Path(tempfile.mkdtemp(prefix="storepay-test-template-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        path = directory / "template.sqlite3"
        await upgrade(f"sqlite+aiosqlite:///{path}")
        # The last connection closed folded the write-ahead log into the file: it is whole.
        assert not path.with_name(f"{path.name}-wal").exists()
        _sqlite_template = path
    return _sqlite_template


# -- PostgreSQL --------------------------------------------------------------------------------

_postgres_template_made = False


def _server() -> str:
    if POSTGRES_URL is None:
        pytest.skip(NO_POSTGRES)
    return POSTGRES_URL


def _url_of(database: str) -> str:
    return make_url(_server()).set(database=database).render_as_string(hide_password=False)


def _admin() -> AsyncEngine:
    return create_engine(_server(), isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)


async def _run_on_server(*statements: str) -> None:
    admin = _admin()
    try:
        async with admin.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await admin.dispose()


@asynccontextmanager
async def postgres_database(*, template: str | None = None) -> AsyncIterator[str]:
    """The URL of a new PostgreSQL database, dropped on leaving: empty, or a copy of
    ``template``."""
    server = _server()
    name = f"{_PREFIX}{uuid.uuid4().hex[:16]}"
    copy = "" if template is None else f' TEMPLATE "{template}"'
    await _run_on_server(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        await _run_on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def migrated_postgres_database() -> AsyncIterator[str]:
    """The URL of a new PostgreSQL database with the newest schema, dropped on leaving."""
    async with postgres_database(template=await _the_postgres_template()) as url:
        yield url


@asynccontextmanager
async def migrated_postgres() -> AsyncIterator[SqlUnitOfWorkFactory]:
    """Units of work on a new PostgreSQL database with the newest schema, dropped on leaving."""
    async with migrated_postgres_database() as url, units_of_work(url) as factory:
        yield factory


async def new_postgres_database() -> str:
    """The URL of a new PostgreSQL database with the newest schema, for a caller that cannot
    hold a context open (a module that builds its app at collection); dropped, with the rest of
    this session's databases, when the session ends."""
    template = await _the_postgres_template()
    name = f"{_PREFIX}{uuid.uuid4().hex[:16]}"
    await _run_on_server(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return _url_of(name)


async def _the_postgres_template() -> str:
    """The session's migrated database, made on first use; nobody stays connected to it, as
    copying requires."""
    global _postgres_template_made
    if not _postgres_template_made:
        await _run_on_server(
            f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)', f'CREATE DATABASE "{TEMPLATE}"'
        )
        atexit.register(_drop_this_session_s_databases)
        await upgrade(_url_of(TEMPLATE))
        _postgres_template_made = True
    return TEMPLATE


def _drop_this_session_s_databases() -> None:
    async def drop() -> None:
        admin = _admin()
        try:
            async with admin.connect() as connection:
                left = await connection.scalars(
                    text("SELECT datname FROM pg_database WHERE starts_with(datname, :prefix)"),
                    {"prefix": _PREFIX},
                )
                for name in [*left, TEMPLATE]:
                    await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            await admin.dispose()

    asyncio.run(drop())
