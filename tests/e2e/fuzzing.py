"""What schemathesis checks of every answer, and a service to fuzz on a given database.

Whatever it sends, storepay never answers 5xx, and every answer is one the schema documents
(status, media type, body shape); every refusal is a problem document, or a page in HTML.
"""

from __future__ import annotations

import asyncio
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from litestar import Litestar
from schemathesis import checks
from schemathesis.specs.openapi.schemas import OpenApiSchema

from adapters.sqlalchemy.migrations import upgrade
from application.use_cases.create_store import NewStore
from entrypoints.container import build_service
from entrypoints.http.app import create_app
from entrypoints.settings import load_settings

from .conftest import ADMIN_TOKEN, API

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

FUZZING = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class Fuzzed:
    """storepay on the database at ``database_url`` (migrated here unless ``migrated``), with
    one store whose key the store routes are called with."""

    def __init__(self, database_url: str, *, migrated: bool = False) -> None:
        if not migrated:
            asyncio.run(upgrade(database_url))
        self.service = build_service(
            load_settings(
                {
                    "STOREPAY_DATABASE_URL": database_url,
                    "STOREPAY_ADMIN_TOKEN": ADMIN_TOKEN,
                    "STOREPAY_GATEWAY": "simulated",
                    "STOREPAY_RECONCILE_INTERVAL_SECONDS": "0",
                    "STOREPAY_RATE_LIMIT_PER_MINUTE": "0",
                }
            )
        )
        self.store_key = asyncio.run(self._open_store())
        self.app: Litestar = create_app(self.service)

    async def _open_store(self) -> str:
        created = await self.service.use_cases().create_store(
            NewStore(name="Fuzzed store", business_email="owner@fuzz.example")
        )
        # Each call schemathesis makes runs the app's lifespan in an event loop of its own: no
        # connection may outlive the loop that opened it.
        await self.service.adapters.engine().dispose()
        return created.api_key

    def schema(self) -> OpenApiSchema:
        return schemathesis.openapi.from_asgi("/schema/openapi.json", self.app)

    def headers_for(self, path: str) -> dict[str, str]:
        token = self.store_key if path.startswith(f"{API}/store/") else ADMIN_TOKEN
        return {"Authorization": f"Bearer {token}"}
