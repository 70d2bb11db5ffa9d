"""The backends every contract runs on.

A backend is an async context manager yielding a :class:`UnitOfWorkFactory` on a fresh, empty
database; it is given a scratch directory of the test's own for any files it needs.
Plugging in another adapter is one entry in ``BACKENDS``; every contract test then runs once
per entry. SQL schemas come from the migrations, as they do in production.

PostgreSQL runs when ``STOREPAY_TEST_POSTGRES_URL`` names a server to use, such as
``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres``: each test gets a database of its own,
copied from the session's migrated template and dropped afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from adapters.memory import MemoryUnitOfWorkFactory
from application.ports import UnitOfWorkFactory

from .databases import migrated_postgres, migrated_sqlite

Backend = Callable[[Path], AbstractAsyncContextManager[UnitOfWorkFactory]]


@asynccontextmanager
async def memory(_scratch: Path) -> AsyncIterator[UnitOfWorkFactory]:
    yield MemoryUnitOfWorkFactory()


@asynccontextmanager
async def sqlite(scratch: Path) -> AsyncIterator[UnitOfWorkFactory]:
    async with migrated_sqlite(scratch) as factory:
        yield factory


@asynccontextmanager
async def postgresql(_scratch: Path) -> AsyncIterator[UnitOfWorkFactory]:
    async with migrated_postgres() as factory:
        yield factory


BACKENDS: dict[str, Backend] = {
    "memory": memory,
    "sqlite": sqlite,
    "postgresql": postgresql,
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=list(BACKENDS))
async def uow_factory(
    request: pytest.FixtureRequest, anyio_backend: str, tmp_path: Path
) -> AsyncIterator[UnitOfWorkFactory]:
    async with BACKENDS[request.param](tmp_path) as factory:
        yield factory
