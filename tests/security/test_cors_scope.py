"""Cross-origin calls (``STOREPAY_CORS_ORIGINS``) are allowed on the public storefront routes
only: create-intent, fee preview and payment status. A browser on an allowed origin gets no
``Access-Control-Allow-*`` header from the admin, store, webhook, page or operations routes, so
a storefront's script can never read what a store key or the admin token sees."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.conftest import ADMIN, API, open_store, service_for
from litestar.testing import TestClient

from entrypoints.container import Service
from entrypoints.http.app import create_app

SHOP = "https://shop.example"


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return service_for(tmp_path / "cors.sqlite3", STOREPAY_CORS_ORIGINS=SHOP)


@pytest.fixture
def client(service: Service) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(service)) as test_client:
        yield test_client


@pytest.fixture
def paths(client: TestClient[Any]) -> dict[str, tuple[str, str, dict[str, str]]]:
    """Each route class: a method, a path and the credentials it takes."""
    store = open_store(client)
    order = client.post(
        f"{API}/store/orders",
        json={
            "reference": "A-1",
            "customer_email": "a@b.example",
            "amount": 1999,
            "currency": "EUR",
        },
        headers=store.headers,
    ).json()["id"]
    storefront = f"{API}/platform/stores/{store.id}"
    return {
        "create-intent": ("POST", f"{storefront}/payments/create-intent", {}),
        "fee preview": ("GET", f"{storefront}/payments/fee-preview?amount=1999", {}),
        "payment status": ("GET", f"{storefront}/orders/{order}/payment-status", {}),
        "admin": ("GET", f"{API}/admin/stores/{store.id}", ADMIN),
        "admin report": ("GET", f"{API}/admin/reports/platform-fees", ADMIN),
        "store": ("GET", f"{API}/store/orders/{order}", store.headers),
        "store payments": ("GET", f"{API}/store/payments", store.headers),
        "webhooks": ("POST", "/webhooks/stripe", {}),
        "checkout page": ("GET", f"/checkout/{store.id}/{order}", {}),
        "health": ("GET", "/health", {}),
        "schema": ("GET", "/schema/openapi.json", {}),
    }


STOREFRONT = ("create-intent", "fee preview", "payment status")
OTHERS = (
    "admin",
    "admin report",
    "store",
    "store payments",
    "webhooks",
    "checkout page",
    "health",
    "schema",
)


def _cors_headers(response: Any) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower().startswith("access-control-")}


@pytest.mark.parametrize("route", STOREFRONT)
def test_a_storefront_route_answers_a_preflight_and_a_call_from_an_allowed_origin(
    client: TestClient[Any], paths: dict[str, tuple[str, str, dict[str, str]]], route: str
) -> None:
    method, path, _ = paths[route]

    preflight = client.options(
        path,
        headers={
            "Origin": SHOP,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == SHOP
    assert method in preflight.headers["access-control-allow-methods"]

    call = client.request(
        method, path, headers={"Origin": SHOP}, json={} if method == "POST" else None
    )
    assert call.headers["access-control-allow-origin"] == SHOP
    assert "Origin" in call.headers["vary"]


@pytest.mark.parametrize("route", STOREFRONT)
def test_a_storefront_route_gives_a_foreign_origin_nothing(
    client: TestClient[Any], paths: dict[str, tuple[str, str, dict[str, str]]], route: str
) -> None:
    method, path, _ = paths[route]

    preflight = client.options(
        path, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": method}
    )
    call = client.request(method, path, headers={"Origin": "https://evil.example"})

    assert _cors_headers(preflight) == {}
    assert _cors_headers(call) == {}


@pytest.mark.parametrize("route", OTHERS)
def test_no_other_route_answers_an_allowed_origin(
    client: TestClient[Any], paths: dict[str, tuple[str, str, dict[str, str]]], route: str
) -> None:
    method, path, credentials = paths[route]

    preflight = client.options(
        path,
        headers={
            "Origin": SHOP,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization",
        },
    )
    call = client.request(method, path, headers={"Origin": SHOP, **credentials})

    assert _cors_headers(preflight) == {}
    assert _cors_headers(call) == {}
    assert call.status_code < 500
