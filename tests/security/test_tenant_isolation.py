"""One store can never reach another's resources: a matrix generated from the app's route table.

Every store route with path parameters is called with a store's key and another store's ids (an
order, a refundable payment, a saved card and its customer's e-mail): each answers 404 with a
problem document, and nothing of the other store changes. A store route added without a row here
fails the coverage test. Every admin route refuses store keys; the storefront refuses another
store's order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from e2e.conftest import ADMIN, API, StoreKey, assert_problem
from e2e.shopping import SHOPPER, SUCCEEDS, Marketplace
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from entrypoints.container import Service

IGNORED_METHODS = {"OPTIONS", "HEAD"}


def routes(app: Litestar, prefix: str) -> set[tuple[str, str]]:
    """(method, path template without parameter types) of every route under ``prefix``."""
    found = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(prefix):
            continue
        template = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        found |= {(method, template) for method in route.methods - IGNORED_METHODS}
    return found


STORE = f"{API}/store"
CARDS = f"{STORE}/customers/{{customer_email}}/payment-methods"

# Every store route that names a resource in its path, and the body it is sent with (the body a
# legitimate call would carry, so only the ownership of the ids can refuse it).
STORE_ROUTES_WITH_IDS: dict[tuple[str, str], dict[str, Any] | None] = {
    ("GET", f"{STORE}/orders/{{order_id}}"): None,
    ("POST", f"{STORE}/orders/{{order_id}}/customer-session"): None,
    ("GET", f"{STORE}/payments/{{payment_id}}"): None,
    ("POST", f"{STORE}/payments/{{payment_id}}/refunds"): {"amount": 500},
    ("GET", CARDS): None,
    ("POST", f"{CARDS}/{{payment_method_id}}/default"): None,
    ("DELETE", f"{CARDS}/{{payment_method_id}}"): None,
}
# A customer is an e-mail the store has seen: listing the cards of one it has not (another
# store's, or nobody's) is an empty list, the same answer whoever the e-mail belongs to. Every
# other route answers 404.
LISTS = {("GET", CARDS)}


@dataclass(frozen=True)
class Victim:
    store: StoreKey
    order_id: str
    payment_id: str
    customer_email: str
    payment_method_id: str

    @property
    def ids(self) -> dict[str, str]:
        return {
            "order_id": self.order_id,
            "payment_id": self.payment_id,
            "customer_email": self.customer_email,
            "payment_method_id": self.payment_method_id,
        }


@pytest.fixture
def market(client: TestClient[Any], service: Service) -> Marketplace:
    return Marketplace(client, service)


@pytest.fixture
def victim(client: TestClient[Any], market: Marketplace) -> Victim:
    """A store with a paid (refundable) order whose shopper saved the card."""
    shop = market.ready_store("Victim")
    order_id = market.order(shop)
    intent = market.intent_for(shop, order_id, save_payment_method=True)
    market.confirm(intent, SUCCEEDS)
    cards = client.get(f"{STORE}/customers/{SHOPPER}/payment-methods", headers=shop.headers)
    assert cards.status_code == 200, cards.text
    [card] = cards.json()["data"]
    payment = market.payment(shop, intent["payment_id"])
    assert payment["status"] == "succeeded"
    return Victim(shop, order_id, intent["payment_id"], SHOPPER, card["id"])


@pytest.fixture
def intruder(market: Marketplace) -> StoreKey:
    return market.ready_store("Intruder")


def what_the_victim_has(client: TestClient[Any], victim: Victim) -> dict[str, Any]:
    headers = victim.store.headers
    return {
        path: client.get(f"{STORE}{path}", headers=headers).json()
        for path in (
            f"/orders/{victim.order_id}",
            f"/payments/{victim.payment_id}",
            "/payments",
            f"/customers/{victim.customer_email}/payment-methods",
            "/balance",
        )
    }


def test_every_store_route_with_ids_is_in_the_matrix(client: TestClient[Any]) -> None:
    app = client.app
    assert isinstance(app, Litestar)
    with_ids = {route for route in routes(app, f"{STORE}/") if "{" in route[1]}
    assert with_ids == set(STORE_ROUTES_WITH_IDS), (
        "a store route names a resource: add it to STORE_ROUTES_WITH_IDS"
    )


@pytest.mark.parametrize(("method", "template"), sorted(STORE_ROUTES_WITH_IDS))
def test_another_store_s_ids_answer_404_and_change_nothing(
    client: TestClient[Any], victim: Victim, intruder: StoreKey, method: str, template: str
) -> None:
    before = what_the_victim_has(client, victim)
    intruders_payments = client.get(f"{STORE}/payments", headers=intruder.headers).json()
    body = STORE_ROUTES_WITH_IDS[(method, template)]

    response = client.request(
        method,
        template.format(**victim.ids),
        json=body,
        headers={**intruder.headers, "Idempotency-Key": f"probe-{method}-{template}"},
    )

    if (method, template) in LISTS:
        assert response.status_code == 200, response.text
        assert response.json()["data"] == []
        nobody = client.request(
            method,
            template.format(customer_email="nobody@nowhere.example"),
            headers=intruder.headers,
        )
        assert nobody.json() == response.json()  # no hint that the e-mail is anyone's
    else:
        problem = assert_problem(response, 404, "not_found")
        for secret in (victim.order_id, victim.payment_id, victim.payment_method_id, "Victim"):
            assert secret not in problem["detail"]
    assert what_the_victim_has(client, victim) == before
    assert client.get(f"{STORE}/payments", headers=intruder.headers).json() == intruders_payments


def test_the_owner_reaches_the_same_ids(client: TestClient[Any], victim: Victim) -> None:
    """The matrix's ids are real: with the owner's key every read answers 200."""
    for (method, template), _ in STORE_ROUTES_WITH_IDS.items():
        if method == "GET":
            response = client.get(template.format(**victim.ids), headers=victim.store.headers)
            assert response.status_code == 200, (template, response.text)


def test_another_store_s_ids_in_queries_and_bodies_reach_nothing(
    client: TestClient[Any], victim: Victim, intruder: StoreKey
) -> None:
    page = client.get(
        f"{STORE}/payments",
        params={"starting_after": victim.payment_id},
        headers=intruder.headers,
    )
    assert page.status_code in (200, 400, 404), page.text
    if page.status_code == 200:
        assert page.json()["data"] == []
    # the victim's order reference is free for the intruder: references are per store
    reference = client.get(f"{STORE}/orders/{victim.order_id}", headers=victim.store.headers)
    response = client.post(
        f"{STORE}/orders",
        json={
            "reference": reference.json()["reference"],
            "customer_email": "someone@else.example",
            "amount": 500,
            "currency": "EUR",
        },
        headers=intruder.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["id"] != victim.order_id


# -- admin routes --------------------------------------------------------------------------


def test_every_admin_route_refuses_a_store_key(
    client: TestClient[Any], victim: Victim, intruder: StoreKey
) -> None:
    app = client.app
    assert isinstance(app, Litestar)
    admin_routes = sorted(routes(app, f"{API}/admin"))
    assert len(admin_routes) >= 5
    ids = {"store_id": victim.store.id}
    for key in (intruder.api_key, victim.store.api_key):
        for method, template in admin_routes:
            response = client.request(
                method,
                template.format(**ids),
                json={"name": "Mine now", "business_email": "x@y.example", "percentage": "0"},
                headers={"Authorization": f"Bearer {key}"},
            )
            assert_problem(response, 401, "unauthorized")
    # the key still works, and still only for its store
    assert client.get(f"{STORE}/payments/config", headers=victim.store.headers).status_code == 200
    shown = client.get(f"{API}/admin/stores/{victim.store.id}", headers=ADMIN).json()
    assert shown["name"] == "Victim"


# -- storefront ----------------------------------------------------------------------------

# Every public storefront route, and whether it names an order.
STOREFRONT_ROUTES = {
    ("POST", f"{API}/platform/stores/{{store_id}}/payments/create-intent"): True,
    ("GET", f"{API}/platform/stores/{{store_id}}/orders/{{order_id}}/payment-status"): True,
    ("GET", f"{API}/platform/stores/{{store_id}}/payments/fee-preview"): False,
}


def test_every_storefront_route_is_in_the_matrix(client: TestClient[Any]) -> None:
    app = client.app
    assert isinstance(app, Litestar)
    assert routes(app, f"{API}/platform/") == set(STOREFRONT_ROUTES)


@pytest.mark.parametrize(
    ("method", "template"), sorted(route for route, names in STOREFRONT_ROUTES.items() if names)
)
def test_the_storefront_refuses_another_store_s_order(
    client: TestClient[Any], victim: Victim, intruder: StoreKey, method: str, template: str
) -> None:
    before = what_the_victim_has(client, victim)
    response = client.request(
        method,
        template.format(store_id=intruder.id, order_id=victim.order_id),
        json={"order_id": victim.order_id, "amount": 1999, "customer_email": SHOPPER}
        if method == "POST"
        else None,
    )
    assert_problem(response, 404, "not_found")
    assert what_the_victim_has(client, victim) == before


def test_the_checkout_page_refuses_another_store_s_order(
    client: TestClient[Any], victim: Victim, intruder: StoreKey
) -> None:
    response = client.get(f"/checkout/{intruder.id}/{victim.order_id}")
    assert response.status_code == 404
    assert SHOPPER not in response.text
    assert "1999" not in response.text
    assert "19.99" not in response.text
