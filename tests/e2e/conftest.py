"""storepay served over HTTP on a fresh, migrated SQLite file with the simulated gateway.

Each test gets its own database and service; requests go through Litestar's test client, so the
whole stack runs: msgspec parsing, auth, problem documents, use cases, SQL, signed webhooks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from adapters.sqlalchemy.migrations import upgrade
from entrypoints.container import Service, build_service
from entrypoints.http.app import create_app
from entrypoints.settings import load_settings

ADMIN_TOKEN = "spa_test_admin_token_0123456789"
API = "/api/v1"


def service_for(database: Path, **environment: str) -> Service:
    url = f"sqlite+aiosqlite:///{database}"
    asyncio.run(upgrade(url))
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


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return service_for(tmp_path / "storepay.sqlite3")


@pytest.fixture
def client(service: Service) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(service)) as test_client:
        yield test_client


ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def bearer(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


@dataclass(frozen=True)
class StoreKey:
    id: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.api_key)


def open_store(client: TestClient[Any], name: str = "Atelier Ana", **fields: Any) -> StoreKey:
    response = client.post(
        f"{API}/admin/stores",
        json={"name": name, "business_email": "owner@atelier.example", **fields},
        headers=ADMIN,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return StoreKey(id=body["id"], api_key=body["api_key"])


@pytest.fixture
def store(client: TestClient[Any]) -> StoreKey:
    return open_store(client)


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """The answer is a problem document with this status and stable code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["code"] == code
    assert {"type", "title", "detail"} <= problem.keys()
    return problem
