"""storepay's whole HTTP stack on a migrated SQLite file or PostgreSQL database, for tests that
send requests at once and then read the database itself.

Requests go through ``httpx.ASGITransport``, which runs the app on the test's own event loop:
``asyncio.gather`` then really interleaves them (Litestar's ``AsyncTestClient`` runs each
request to its end on a portal thread, one after another).

PostgreSQL runs when ``STOREPAY_TEST_POSTGRES_URL`` names a server (see ``contract.databases``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from contract.databases import postgres_database, sqlite_url
from dependency_injector import providers
from e2e.conftest import ADMIN_TOKEN

from adapters.sqlalchemy import create_engine, upgrade
from application.ports import Clock
from entrypoints.container import Service, build_service, close_service
from entrypoints.http.app import create_app
from entrypoints.settings import load_settings

DATABASES = ["sqlite", "postgresql"]


@asynccontextmanager
async def migrated(kind: str, directory: Path) -> AsyncIterator[str]:
    """The URL of a new database of ``kind`` with the newest schema."""
    if kind == "sqlite":
        url = sqlite_url(directory)
        await upgrade(url)
        yield url
        return
    async with postgres_database() as url:
        await upgrade(url)
        yield url


def simulated_service(url: str, **environment: str) -> Service:
    """storepay on the database at ``url`` with the simulated gateway and no reconciler."""
    return build_service(
        load_settings(
            {
                "STOREPAY_DATABASE_URL": url,
                "STOREPAY_ADMIN_TOKEN": ADMIN_TOKEN,
                "STOREPAY_GATEWAY": "simulated",
                "STOREPAY_RECONCILE_INTERVAL_SECONDS": "0",
                **environment,
            }
        )
    )


@asynccontextmanager
async def serving(
    url: str,
    gateway: Callable[[Any], Any] | None = None,
    clock: Clock | None = None,
    units_of_work: Callable[[Any], Any] | None = None,
) -> AsyncIterator[tuple[httpx.AsyncClient, Service]]:
    """A client of storepay on ``url`` (simulated gateway, no rate limit, no reconciler); given
    ``gateway`` or ``units_of_work``, the simulated gateway or the SQL units of work go through
    what it makes of them; given ``clock``, that is storepay's clock."""
    service = simulated_service(url, STOREPAY_RATE_LIMIT_PER_MINUTE="0")
    if gateway is not None:
        service.adapters.gateway.override(providers.Object(gateway(service.adapters.gateway())))
    if units_of_work is not None:
        made = units_of_work(service.adapters.uow_factory())
        service.adapters.uow_factory.override(providers.Object(made))
    if clock is not None:
        service.adapters.clock.override(providers.Object(clock))
    try:
        transport = httpx.ASGITransport(app=create_app(service))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver.local", timeout=30
        ) as client:
            yield client, service
    finally:
        await close_service(service)


async def rows(url: str, sql: str, **parameters: Any) -> list[tuple[Any, ...]]:
    """What the database itself holds, read past storepay's adapters."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(sa.text(sql), parameters)
            return [tuple(row) for row in result]
    finally:
        await engine.dispose()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=DATABASES)
async def database_url(
    request: pytest.FixtureRequest, anyio_backend: str, tmp_path: Path
) -> AsyncIterator[str]:
    async with migrated(request.param, tmp_path) as url:
        yield url
