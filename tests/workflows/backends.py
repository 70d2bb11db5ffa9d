"""The ways the workflow scenarios can reach storepay; each scenario runs once per entry.

Another database is another unit of work factory behind ``UseCaseMarketplace``; HTTP would be
another :class:`Marketplace`. SQL databases are fresh for every scenario, copies of the
session's migrated template, made and disposed of on the scenario's own event loop.

PostgreSQL runs when ``STOREPAY_TEST_POSTGRES_URL`` names a server to use; each scenario gets a
database of its own, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager, contextmanager
from pathlib import Path
from typing import TypeVar

from contract.databases import migrated_postgres, migrated_sqlite

from adapters.memory import MemoryUnitOfWorkFactory

from .driver import Marketplace
from .http_driver import over_http
from .use_case_driver import UseCaseMarketplace

T = TypeVar("T")
Backend = Callable[[asyncio.Runner, Path], AbstractContextManager[Marketplace]]


@contextmanager
def entered(runner: asyncio.Runner, manager: AbstractAsyncContextManager[T]) -> Iterator[T]:
    """An async context manager entered and left on the runner's event loop."""
    value = runner.run(manager.__aenter__())
    try:
        yield value
    except BaseException:
        if not runner.run(manager.__aexit__(*sys.exc_info())):
            raise
    else:
        runner.run(manager.__aexit__(None, None, None))


@contextmanager
def memory(runner: asyncio.Runner, _scratch: Path) -> Iterator[Marketplace]:
    yield UseCaseMarketplace(runner, MemoryUnitOfWorkFactory())


@contextmanager
def sqlite(runner: asyncio.Runner, scratch: Path) -> Iterator[Marketplace]:
    with entered(runner, migrated_sqlite(scratch)) as factory:
        yield UseCaseMarketplace(runner, factory)


@contextmanager
def postgresql(runner: asyncio.Runner, _scratch: Path) -> Iterator[Marketplace]:
    with entered(runner, migrated_postgres()) as factory:
        yield UseCaseMarketplace(runner, factory)


BACKENDS: dict[str, Backend] = {
    "memory": memory,
    "sqlite": sqlite,
    "postgresql": postgresql,
    "http": over_http,
}
