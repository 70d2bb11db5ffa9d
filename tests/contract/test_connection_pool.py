"""Each worker's database pool: STOREPAY_DATABASE_POOL_SIZE connections, made once and kept.

A pool that opens and closes connections as load comes and goes makes every busy moment pay for
new connections; one past its size would exhaust PostgreSQL's ``max_connections`` across
workers. Past its size, a unit of work waits for a connection to come back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from entrypoints.container import build_service
from entrypoints.settings import SettingsError, load_settings

from .databases import NO_POSTGRES, POSTGRES_URL, postgres_database, sqlite_url

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    if POSTGRES_URL is None:
        pytest.skip(NO_POSTGRES)
    async with postgres_database() as url:
        yield url


def engine_of(database_url: str, pool_size: str) -> AsyncEngine:
    settings = load_settings(
        {"STOREPAY_DATABASE_URL": database_url, "STOREPAY_DATABASE_POOL_SIZE": pool_size}
    )
    engine: AsyncEngine = build_service(settings).adapters.engine()
    return engine


def counting_connections(engine: AsyncEngine) -> Callable[[], int]:
    made = 0

    def connected(*_: Any) -> None:
        nonlocal made
        made += 1

    event.listen(engine.sync_engine, "connect", connected)
    return lambda: made


async def test_a_busy_pool_reuses_its_connections(database_url: str) -> None:
    engine = engine_of(database_url, "3")
    made = counting_connections(engine)
    in_use = peak = 0

    async def one_query() -> None:
        nonlocal in_use, peak
        async with engine.connect() as connection:
            in_use += 1
            peak = max(peak, in_use)
            await connection.execute(text("SELECT 1"))
            await asyncio.sleep(0.001)
            in_use -= 1

    try:
        for _ in range(5):
            await asyncio.gather(*(one_query() for _ in range(20)))
    finally:
        await engine.dispose()

    assert peak == 3
    assert made() == 3


async def test_past_its_size_a_unit_of_work_waits_for_a_connection(database_url: str) -> None:
    engine = engine_of(database_url, "2")
    try:
        async with engine.connect() as first, engine.connect() as second:
            await first.execute(text("SELECT 1"))
            await second.execute(text("SELECT 1"))
            third = asyncio.ensure_future(engine.connect().start())
            await asyncio.sleep(0.2)
            assert not third.done()
        connection = await asyncio.wait_for(third, timeout=5)
        assert (await connection.scalar(text("SELECT 1"))) == 1
        await connection.close()
    finally:
        await engine.dispose()


def test_the_pool_size_is_four_on_postgresql_and_two_on_sqlite_unless_set() -> None:
    postgresql = {"STOREPAY_DATABASE_URL": "postgresql+asyncpg://storepay@db.example/storepay"}
    assert load_settings(postgresql).database_pool_size == 4
    assert load_settings({}).database_pool_size == 2
    assert load_settings({"STOREPAY_DATABASE_POOL_SIZE": "32"}).database_pool_size == 32
    sized = {**postgresql, "STOREPAY_DATABASE_POOL_SIZE": "4"}
    assert load_settings(sized).database_pool_size == 4


@pytest.mark.parametrize("value", ["0", "-1", "ten", "2.5"])
def test_a_pool_size_that_is_not_a_positive_whole_number_is_refused(value: str) -> None:
    with pytest.raises(SettingsError, match="STOREPAY_DATABASE_POOL_SIZE"):
        load_settings({"STOREPAY_DATABASE_POOL_SIZE": value})


async def test_a_sqlite_connection_comes_back_from_the_pool_with_no_transaction_open(
    tmp_path: Path,
) -> None:
    """Whatever its last user left open at the driver (the one-trip commit works there, behind
    SQLAlchemy's back): the pool rolls it back when the connection comes back."""
    engine = engine_of(sqlite_url(tmp_path), "1")
    try:
        async with engine.connect() as connection:
            await connection.execute(text("CREATE TABLE notes (body TEXT)"))
            await connection.commit()
        async with engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            await driver.execute("BEGIN")  # aiosqlite's own
            await driver.execute("INSERT INTO notes VALUES ('left open')")
        async with engine.connect() as connection:
            count = await connection.scalar(text("SELECT count(*) FROM notes"))
            await connection.rollback()
        assert count == 0
    finally:
        await engine.dispose()


async def test_units_of_work_waiting_for_a_connection_are_served_in_the_order_they_asked(
    database_url: str,
) -> None:
    engine = engine_of(database_url, "2")
    asked: list[int] = []
    served: list[int] = []

    async def unit_of_work(number: int) -> None:
        asked.append(number)
        async with engine.connect() as connection:
            served.append(number)
            await connection.execute(text("SELECT 1"))
            await asyncio.sleep(0.01)

    try:
        first, second = await engine.connect().start(), await engine.connect().start()
        waiting = [asyncio.ensure_future(unit_of_work(number)) for number in range(12)]
        await asyncio.sleep(0.2)
        await first.close()
        await second.close()
        await asyncio.wait_for(asyncio.gather(*waiting), timeout=10)
    finally:
        await engine.dispose()

    assert asked == list(range(12))
    assert served == asked
