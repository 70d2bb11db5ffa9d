"""Every public route a shopper's browser calls (the storefront API, the payment status the
return page polls, the checkout pages) is rate limited per address; a public route added without
being listed here fails the coverage test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.conftest import API, assert_problem, open_store, service_for
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from entrypoints.http.app import create_app

LIMIT = 3
PUBLIC_PREFIXES = (f"{API}/platform/", "/checkout/")

# Every public shopper route, filled in with a store id and an order id that need not exist:
# refused answers count against the limit too.
PUBLIC_ROUTES = {
    ("POST", f"{API}/platform/stores/{{store_id}}/payments/create-intent"),
    ("GET", f"{API}/platform/stores/{{store_id}}/payments/fee-preview"),
    ("GET", f"{API}/platform/stores/{{store_id}}/orders/{{order_id}}/payment-status"),
    ("GET", "/checkout/{store_id}/{order_id}"),
    ("GET", "/checkout/complete"),
}


def public_routes(app: Litestar) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path.startswith(PUBLIC_PREFIXES):
            template = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
            found |= {(method, template) for method in route.methods - {"OPTIONS", "HEAD"}}
    return found


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[TestClient[Any]]:
    service = service_for(tmp_path / "limited.sqlite3", STOREPAY_RATE_LIMIT_PER_MINUTE=str(LIMIT))
    with TestClient(create_app(service)) as test_client:
        yield test_client


def test_every_public_route_is_listed(limited: TestClient[Any]) -> None:
    app = limited.app
    assert isinstance(app, Litestar)
    assert public_routes(app) == PUBLIC_ROUTES


@pytest.mark.parametrize(("method", "template"), sorted(PUBLIC_ROUTES))
def test_a_public_route_is_limited_per_address(
    limited: TestClient[Any], method: str, template: str
) -> None:
    store = open_store(limited)
    path = template.format(store_id=store.id, order_id="order_nobody")
    params = {"amount": "1999", "currency": "EUR"} if "fee-preview" in path else None
    for _ in range(LIMIT):
        answer = limited.request(method, path, params=params, json={} if method == "POST" else None)
        assert answer.status_code != 429, answer.text
    refused = limited.request(method, path, params=params, json={} if method == "POST" else None)
    if template.startswith("/checkout/"):  # a page: the refusal is a page too
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("text/html")
    else:
        assert_problem(refused, 429, "rate_limited")
    assert int(refused.headers["retry-after"]) > 0
