"""schemathesis over ``/schema/openapi.json`` on SQLite (``fuzzing`` says what each answer must
be); ``test_openapi_fuzzing_postgresql`` does the same on PostgreSQL."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.routes import HTTPRoute

from .conftest import API
from .fuzzing import CHECKS, FUZZING, Fuzzed

# schemathesis parametrizes at collection, so the app exists before any fixture: on a SQLite
# file in a directory removed when the module's tests are done.
_scratch = tempfile.TemporaryDirectory(prefix="storepay-fuzz-")
fuzzed = Fuzzed(f"sqlite+aiosqlite:///{Path(_scratch.name) / 'storepay.sqlite3'}")
app = fuzzed.app
schema = fuzzed.schema()


@pytest.fixture(scope="module", autouse=True)
def _remove_scratch() -> Iterator[None]:
    yield
    _scratch.cleanup()


@schema.parametrize()
@FUZZING
def test_every_answer_is_documented_and_none_is_a_server_error(case: Any) -> None:
    case.call_and_validate(headers=fuzzed.headers_for(case.path), checks=CHECKS)


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
