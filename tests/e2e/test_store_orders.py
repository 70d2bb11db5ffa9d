"""A store's orders over HTTP: registering them, idempotently, and reading where they stand."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from entrypoints.container import Service

from .conftest import ADMIN, API, StoreKey, assert_problem, open_store
from .store_support import DECLINED, onboard, pay, register_order

ORDERS = f"{API}/store/orders"
BODY = {
    "reference": "A-1042",
    "customer_email": "Ana@Shopper.example",
    "amount": 1999,
    "currency": "eur",
}


def test_an_order_is_registered_pending(client: TestClient[Any], store: StoreKey) -> None:
    response = client.post(ORDERS, json=BODY, headers=store.headers)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["id"]
    assert {k: order[k] for k in ("reference", "amount", "currency", "customer_email")} == {
        "reference": "A-1042",
        "amount": 1999,
        "currency": "EUR",
        "customer_email": "ana@shopper.example",
    }
    assert order["status"] == "pending"
    assert order["payment_status"] == "pending"
    assert order["payment_id"] is None
    assert order["amount_display"] == "EUR 19.99"
    shown = client.get(f"{ORDERS}/{order['id']}", headers=store.headers)
    assert shown.status_code == 200
    assert shown.json() == order


def test_the_same_reference_again_returns_the_order_or_a_conflict(
    client: TestClient[Any], store: StoreKey
) -> None:
    first = client.post(ORDERS, json=BODY, headers=store.headers).json()
    same = client.post(
        ORDERS, json={**BODY, "customer_email": "ana@shopper.example"}, headers=store.headers
    )
    assert same.status_code == 200
    assert same.json() == first
    for change in ({"amount": 2000}, {"customer_email": "bob@shopper.example"}):
        assert_problem(
            client.post(ORDERS, json={**BODY, **change}, headers=store.headers),
            409,
            "order_reference_conflict",
        )


def test_references_are_per_store(client: TestClient[Any], store: StoreKey) -> None:
    other = open_store(client, "Other Shop")
    mine = client.post(ORDERS, json=BODY, headers=store.headers)
    theirs = client.post(ORDERS, json={**BODY, "amount": 500}, headers=other.headers)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]


def test_another_stores_order_is_not_found(client: TestClient[Any], store: StoreKey) -> None:
    order = register_order(client, store, "A-1")
    other = open_store(client, "Other Shop")
    assert_problem(client.get(f"{ORDERS}/{order['id']}", headers=other.headers), 404, "not_found")
    assert_problem(client.get(f"{ORDERS}/ord_missing", headers=store.headers), 404, "not_found")


def test_orders_want_a_store_key(client: TestClient[Any], store: StoreKey) -> None:
    order = register_order(client, store, "A-1")
    assert_problem(client.post(ORDERS, json=BODY), 401, "unauthorized")
    assert_problem(client.get(f"{ORDERS}/{order['id']}"), 401, "unauthorized")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": 19.99}, "amount"),
        ({"amount": 1999.0}, "amount"),
        ({"amount": "1999"}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": -5}, "amount"),
        ({"amount": True}, "amount"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": None}, "currency"),
        ({"reference": ""}, "reference"),
        ({"reference": " A-1"}, "reference"),
        ({"reference": "x" * 101}, "reference"),
        ({"customer_email": 5}, "customer_email"),
        ({"note": "gift"}, "note"),
    ],
)
def test_an_order_is_validated_at_the_edge(
    client: TestClient[Any], store: StoreKey, change: dict[str, Any], field: str
) -> None:
    problem = assert_problem(
        client.post(ORDERS, json={**BODY, **change}, headers=store.headers),
        400,
        "validation_error",
    )
    assert problem["field"] == field


def test_a_missing_field_is_named(client: TestClient[Any], store: StoreKey) -> None:
    body = {k: v for k, v in BODY.items() if k != "currency"}
    problem = assert_problem(
        client.post(ORDERS, json=body, headers=store.headers), 400, "validation_error"
    )
    assert "currency" in problem["detail"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"currency": "XYZ"}, "unknown_currency"),
        ({"customer_email": "not-an-address"}, "invalid_email"),
        ({"amount": 10**12}, "validation_error"),
    ],
)
def test_an_order_the_business_rules_refuse(
    client: TestClient[Any], store: StoreKey, change: dict[str, Any], code: str
) -> None:
    response = client.post(ORDERS, json={**BODY, **change}, headers=store.headers)
    assert_problem(response, 400 if code == "validation_error" else 422, code)


@pytest.mark.parametrize("fixed_amount", [0, 30])
def test_an_order_in_another_currency_than_the_stores_is_refused(
    client: TestClient[Any], store: StoreKey, fixed_amount: int
) -> None:
    policy = {"percentage": "2.5", "fixed_amount": fixed_amount}
    client.put(f"{API}/admin/stores/{store.id}/fee-policy", json=policy, headers=ADMIN)
    response = client.post(ORDERS, json={**BODY, "currency": "USD"}, headers=store.headers)
    assert_problem(response, 422, "store_currency_mismatch")


def test_a_retried_registration_replays_its_answer(
    client: TestClient[Any], store: StoreKey
) -> None:
    headers = {**store.headers, "Idempotency-Key": "order-A-1042"}
    first = client.post(ORDERS, json=BODY, headers=headers)
    again = client.post(ORDERS, json=BODY, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    for answer in (first, again):
        assert answer.headers["content-type"].startswith("application/json")
    assert_problem(
        client.post(ORDERS, json={**BODY, "reference": "A-1043"}, headers=headers),
        409,
        "idempotency_key_reused",
    )


def test_a_paid_order_is_processing_and_names_its_payment(
    client: TestClient[Any], service: Service, store: StoreKey
) -> None:
    onboard(client, service, store)
    order = register_order(client, store, "A-1")
    payment_id = pay(client, service, store, order)
    shown = client.get(f"{ORDERS}/{order['id']}", headers=store.headers).json()
    assert shown["status"] == "processing"
    assert shown["payment_status"] == "paid"
    assert shown["payment_id"] == payment_id


def test_a_declined_order_is_still_pending(
    client: TestClient[Any], service: Service, store: StoreKey
) -> None:
    onboard(client, service, store)
    order = register_order(client, store, "A-1")
    payment_id = pay(client, service, store, order, DECLINED)
    shown = client.get(f"{ORDERS}/{order['id']}", headers=store.headers).json()
    assert shown["status"] == "pending"
    assert shown["payment_status"] == "failed"
    assert shown["payment_id"] == payment_id
