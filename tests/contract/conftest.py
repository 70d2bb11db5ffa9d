"""The backends every contract runs on.

A backend is an async context manager yielding a :class:`UnitOfWorkFactory` on a fresh, empty
database. Plugging in another adapter is one entry in ``BACKENDS`` (``"sqlite"``,
``"postgresql"``); every contract test then runs once per entry.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest

from adapters.memory import MemoryUnitOfWorkFactory
from application.ports import UnitOfWorkFactory

Backend = Callable[[], AbstractAsyncContextManager[UnitOfWorkFactory]]


@asynccontextmanager
async def memory() -> AsyncIterator[UnitOfWorkFactory]:
    yield MemoryUnitOfWorkFactory()


BACKENDS: dict[str, Backend] = {
    "memory": memory,
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=list(BACKENDS))
async def uow_factory(
    request: pytest.FixtureRequest, anyio_backend: str
) -> AsyncIterator[UnitOfWorkFactory]:
    async with BACKENDS[request.param]() as factory:
        yield factory
