"""A store's payments over HTTP: paging through them and reading one in full."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from entrypoints.container import Service

from .conftest import API, StoreKey, assert_problem, open_store
from .store_support import DECLINED, onboard, paid_order, pay, register_order

PAYMENTS = f"{API}/store/payments"


@pytest.fixture
def onboarded(client: TestClient[Any], service: Service, store: StoreKey) -> StoreKey:
    onboard(client, service, store)
    return store


def test_a_succeeded_payment_shows_its_breakdown(
    client: TestClient[Any], service: Service, onboarded: StoreKey
) -> None:
    order = register_order(client, onboarded, "A-1", 2000)
    payment_id = pay(client, service, onboarded, order)
    response = client.get(f"{PAYMENTS}/{payment_id}", headers=onboarded.headers)
    assert response.status_code == 200
    payment = response.json()
    assert payment["id"] == payment_id
    assert payment["order_id"] == order["id"]
    assert payment["status"] == "succeeded"
    assert payment["amount_total"] == 2000
    assert payment["amount_platform_fee"] == 50  # 2.5 %
    assert payment["amount_store"] == 1950
    assert payment["amount_refunded"] == 0
    assert payment["currency"] == "EUR"
    assert payment["amount_total_display"] == "EUR 20.00"
    assert payment["stripe_payment_intent_id"].startswith("pi_")
    assert payment["stripe_charge_id"].startswith("ch_")
    assert payment["failure_reason"] is None
    assert payment["paid_at"].endswith("Z")
    assert payment["refunds"] == []


def test_a_declined_payment_says_why(
    client: TestClient[Any], service: Service, onboarded: StoreKey
) -> None:
    payment_id = paid_order(client, service, onboarded, "A-1", card=DECLINED)
    payment = client.get(f"{PAYMENTS}/{payment_id}", headers=onboarded.headers).json()
    assert payment["status"] == "failed"
    assert payment["failure_reason"] == "card_declined"
    assert payment["paid_at"] is None
    assert payment["stripe_charge_id"] is None


def test_payments_page_newest_first(
    client: TestClient[Any], service: Service, onboarded: StoreKey
) -> None:
    ids = [paid_order(client, service, onboarded, f"A-{n}", 1000 + n) for n in range(3)]
    declined = paid_order(client, service, onboarded, "A-9", card=DECLINED)
    newest_first = [declined, *reversed(ids)]

    everything = client.get(PAYMENTS, headers=onboarded.headers).json()
    assert [p["id"] for p in everything["data"]] == newest_first
    assert everything["has_more"] is False

    first = client.get(PAYMENTS, params={"limit": 2}, headers=onboarded.headers).json()
    assert [p["id"] for p in first["data"]] == newest_first[:2]
    assert first["has_more"] is True
    rest = client.get(
        PAYMENTS,
        params={"limit": 2, "starting_after": first["data"][-1]["id"]},
        headers=onboarded.headers,
    ).json()
    assert [p["id"] for p in rest["data"]] == newest_first[2:]
    assert rest["has_more"] is False

    succeeded = client.get(
        PAYMENTS, params={"status": "succeeded"}, headers=onboarded.headers
    ).json()
    assert [p["id"] for p in succeeded["data"]] == list(reversed(ids))
    failed = client.get(PAYMENTS, params={"status": "failed"}, headers=onboarded.headers).json()
    assert [p["id"] for p in failed["data"]] == [declined]


def test_a_new_store_has_no_payments(client: TestClient[Any], store: StoreKey) -> None:
    response = client.get(PAYMENTS, headers=store.headers)
    assert response.status_code == 200
    assert response.json() == {"data": [], "has_more": False}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"status": "lost"}, "status"),
    ],
)
def test_page_queries_are_validated(
    client: TestClient[Any], store: StoreKey, params: dict[str, Any], field: str
) -> None:
    problem = assert_problem(
        client.get(PAYMENTS, params=params, headers=store.headers), 400, "validation_error"
    )
    assert problem["field"] == field


def test_a_cursor_must_be_one_of_the_stores_payments(
    client: TestClient[Any], service: Service, onboarded: StoreKey
) -> None:
    other = open_store(client, "Other Shop")
    onboard(client, service, other)
    theirs = paid_order(client, service, other, "B-1")
    for cursor in ("pay_missing", theirs):
        response = client.get(
            PAYMENTS, params={"starting_after": cursor}, headers=onboarded.headers
        )
        assert_problem(response, 400, "invalid_page")


def test_a_store_sees_only_its_own_payments(
    client: TestClient[Any], service: Service, onboarded: StoreKey
) -> None:
    mine = paid_order(client, service, onboarded, "A-1")
    other = open_store(client, "Other Shop")
    onboard(client, service, other)
    theirs = paid_order(client, service, other, "A-1")
    listed = client.get(PAYMENTS, headers=onboarded.headers).json()
    assert [p["id"] for p in listed["data"]] == [mine]
    assert_problem(client.get(f"{PAYMENTS}/{theirs}", headers=onboarded.headers), 404, "not_found")
    assert_problem(
        client.get(f"{PAYMENTS}/pay_missing", headers=onboarded.headers), 404, "not_found"
    )


def test_payments_want_a_store_key(
    client: TestClient[Any], service: Service, onboarded: StoreKey
) -> None:
    payment_id = paid_order(client, service, onboarded, "A-1")
    assert_problem(client.get(PAYMENTS), 401, "unauthorized")
    assert_problem(client.get(f"{PAYMENTS}/{payment_id}"), 401, "unauthorized")
