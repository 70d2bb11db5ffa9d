"""schemathesis over ``/schema/openapi.json``: whatever it sends, storepay never answers 5xx, and
every answer is one the schema documents (status, media type, body shape)."""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from litestar.routes import HTTPRoute
from schemathesis import checks

from application.use_cases.create_store import NewStore
from entrypoints.http.app import create_app

from .conftest import ADMIN_TOKEN, API, service_for

# Pages (HTML) refuse in HTML; everything else refuses with a problem document.
PAGE_PREFIXES = ("/checkout/", "/onboarding/", "/simulator/onboarding/")


def errors_are_problem_documents(_ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx and 5xx is ``application/problem+json``, or ``text/html`` from a page."""
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    # A method no route has is refused by the router, before any page: a problem document.
    page = case.path.startswith(PAGE_PREFIXES) and response.status_code != 405
    expected = "text/html" if page else "application/problem+json"
    assert content_type.startswith(expected), (
        f"{case.method} {case.formatted_path} answered {response.status_code} as "
        f"{content_type!r}, not {expected}"
    )
    return None


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    errors_are_problem_documents,
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


# Routes left out of the schema on purpose: the schema itself, its UI, static files, metrics, and
# the simulated hosted onboarding page's form post.
UNDOCUMENTED = ("/schema", "/static/", "/metrics")
UNDOCUMENTED_ROUTES = {("POST", "/simulator/onboarding/{account_id}")}


def test_every_route_is_an_operation_the_fuzzer_calls() -> None:
    """A route outside the schema would never be fuzzed: each must be documented (and so be an
    operation above), or be listed here as deliberately undocumented."""
    documented = {
        (operation.method.upper(), operation.path)
        for result in schema.get_all_operations()
        for operation in [result.ok()]
    }
    routed = {
        (method, re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path))
        for route in app.routes
        if isinstance(route, HTTPRoute) and not route.path.startswith(UNDOCUMENTED)
        for method in route.methods - {"OPTIONS", "HEAD"}
    }
    assert routed - UNDOCUMENTED_ROUTES == documented
    webhooks = {("POST", "/webhooks/stripe"), ("POST", "/webhooks/stripe/connect")}
    assert webhooks <= documented
    assert any(path.startswith(f"{API}/platform/") for _, path in documented)
