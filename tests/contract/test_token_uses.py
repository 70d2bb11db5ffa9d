"""The contract of ``TokenUses``: a single-use token is used once, whichever process asks.

On SQL, two engines on one database stand for two workers of the service."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.memory.token_uses import MemoryTokenUses
from adapters.sqlalchemy import SqlUnitOfWorkFactory, create_engine
from adapters.sqlalchemy.token_uses import SqlTokenUses
from application.ports import TokenUses

from .conftest import BACKENDS

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 12, 8, 9, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture(params=list(BACKENDS))
async def workers(
    request: pytest.FixtureRequest, anyio_backend: str, tmp_path: Path
) -> AsyncIterator[tuple[TokenUses, TokenUses]]:
    """Two workers' views of the used tokens."""
    async with BACKENDS[request.param](tmp_path) as factory:
        if not isinstance(factory, SqlUnitOfWorkFactory):
            shared = MemoryTokenUses()
            yield shared, shared
            return
        url = factory.engine.url.render_as_string(hide_password=False)
        other = create_engine(url, pool_size=4)
        try:
            yield SqlTokenUses(factory.engine), SqlTokenUses(other)
        finally:
            await other.dispose()


async def test_a_token_is_used_once(workers: tuple[TokenUses, TokenUses]) -> None:
    first, second = workers

    assert await first.use("onboarding:refresh:a", now=NOW, keep_until=NOW + DAY)
    assert not await first.use("onboarding:refresh:a", now=NOW, keep_until=NOW + DAY)
    assert not await second.use("onboarding:refresh:a", now=NOW + DAY, keep_until=NOW + 2 * DAY)
    assert await second.use("onboarding:return:a", now=NOW, keep_until=NOW + DAY)


async def test_of_workers_using_one_token_at_once_one_does(
    workers: tuple[TokenUses, TokenUses],
) -> None:
    first, second = workers
    tries = [
        worker.use("onboarding:refresh:raced", now=NOW, keep_until=NOW + DAY)
        for _ in range(5)
        for worker in (first, second)
    ]

    assert sorted(await asyncio.gather(*tries)) == [False] * 9 + [True]


async def test_a_use_is_forgotten_once_the_token_could_no_longer_verify(
    workers: tuple[TokenUses, TokenUses],
) -> None:
    first, second = workers
    await first.use("onboarding:refresh:old", now=NOW, keep_until=NOW + DAY)

    # Long after, the id is free again (a token by then would have expired anyway).
    later = NOW + 2 * DAY
    assert await second.use("onboarding:refresh:new", now=later, keep_until=later + DAY)
    assert await first.use("onboarding:refresh:old", now=later, keep_until=later + DAY)
