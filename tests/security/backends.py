"""storepay served over HTTP on either SQL backend: a migrated SQLite file, or a fresh PostgreSQL
database (when ``STOREPAY_TEST_POSTGRES_URL`` names a server; skipped otherwise).

``served_on`` is ``e2e.conftest.service_for`` for both backends, with the test client around it
and a way to count every table's rows, so a test can say that a refused request stored nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anyio.from_thread import start_blocking_portal
from litestar.testing import TestClient
from sqlalchemy import func, select

from adapters.sqlalchemy.tables import metadata
from entrypoints.container import Service
from entrypoints.http.app import create_app
from security.databases import migrated, simulated_service

BACKENDS = ("sqlite", "postgresql")


@dataclass
class Served:
    service: Service
    client: TestClient[Any]

    def rows(self) -> dict[str, int]:
        """How many rows each table holds."""

        async def count() -> dict[str, int]:
            async with self.service.adapters.engine().connect() as connection:
                return {
                    name: int(await connection.scalar(select(func.count()).select_from(table)) or 0)
                    for name, table in sorted(metadata.tables.items())
                }

        return self.client.blocking_portal.call(count)  # type: ignore[union-attr]


@contextmanager
def served_on(backend: str, directory: Path, **environment: str) -> Iterator[Served]:
    """storepay on a new, migrated database of ``backend`` with the simulated gateway."""
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(migrated(backend, directory)) as url,
    ):
        service = simulated_service(url, **environment)
        with TestClient(create_app(service)) as client:
            yield Served(service, client)
