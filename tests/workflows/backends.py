"""The ways the workflow scenarios can reach storepay; each scenario runs once per entry.

Another database is another unit of work factory behind ``UseCaseMarketplace``; HTTP would be
another :class:`Marketplace`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from adapters.memory import MemoryUnitOfWorkFactory

from .driver import Marketplace
from .use_case_driver import UseCaseMarketplace

Backend = Callable[[asyncio.Runner], AbstractContextManager[Marketplace]]


@contextmanager
def memory(runner: asyncio.Runner) -> Iterator[Marketplace]:
    yield UseCaseMarketplace(runner, MemoryUnitOfWorkFactory())


BACKENDS: dict[str, Backend] = {
    "memory": memory,
}
