"""schemathesis over ``/schema/openapi.json``: whatever it sends, storepay never answers 5xx, and
every answer is one the schema documents (status, media type, body shape)."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from application.use_cases.create_store import NewStore
from entrypoints.http.app import create_app

from .conftest import ADMIN_TOKEN, API, service_for

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


# schemathesis parametrizes at collection, so the app exists before any fixture: on a SQLite
# file in a directory removed when the module's tests are done.
_scratch = tempfile.TemporaryDirectory(prefix="storepay-fuzz-")
_service = service_for(Path(_scratch.name) / "storepay.sqlite3", STOREPAY_RATE_LIMIT_PER_MINUTE="0")


async def _open_store() -> str:
    created = await _service.use_cases().create_store(
        NewStore(name="Fuzzed store", business_email="owner@fuzz.example")
    )
    await _service.adapters.engine().dispose()
    return created.api_key


STORE_KEY = asyncio.run(_open_store())
app = create_app(_service)
schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)


def _token_for(path: str) -> str:
    return STORE_KEY if path.startswith(f"{API}/store/") else ADMIN_TOKEN


@pytest.fixture(scope="module", autouse=True)
def _remove_scratch() -> Iterator[None]:
    yield
    _scratch.cleanup()


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_answer_is_documented_and_none_is_a_server_error(case: Any) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {_token_for(case.path)}"},
        checks=CHECKS,
    )
