"""The platform operator's endpoints over HTTP."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from .conftest import ADMIN, API, StoreKey, assert_problem, open_store


def test_a_store_is_opened_with_a_key_shown_once(client: TestClient[Any]) -> None:
    response = client.post(
        f"{API}/admin/stores",
        json={"name": "Atelier Ana", "business_email": "Owner@Atelier.example", "currency": "eur"},
        headers=ADMIN,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["api_key"].startswith("spk_")
    assert body["currency"] == "EUR"
    assert body["country"] == "LU"
    assert body["payment_config"]["account_status"] == "not_configured"
    assert body["payment_config"]["platform_fee_percentage"] == "2.5"
    shown = client.get(f"{API}/admin/stores/{body['id']}", headers=ADMIN).json()
    assert "api_key" not in shown
    assert shown["name"] == "Atelier Ana"


def test_amounts_must_be_integers_not_strings_or_floats(
    client: TestClient[Any], store: StoreKey
) -> None:
    for bad in ("30", 30.0, 30.5, True):
        response = client.put(
            f"{API}/admin/stores/{store.id}/fee-policy",
            json={"percentage": "3", "fixed_amount": bad},
            headers=ADMIN,
        )
        problem = assert_problem(response, 400, "validation_error")
        assert problem["field"] == "fixed_amount"
    policy = client.put(
        f"{API}/admin/stores/{store.id}/fee-policy",
        json={"percentage": "3", "fixed_amount": 30, "maximum_fee": 500},
        headers=ADMIN,
    )
    assert policy.status_code == 200
    assert policy.json() == {
        "percentage": "3",
        "fixed_amount": 30,
        "minimum_fee": 0,
        "maximum_fee": 500,
        "currency": "EUR",
    }


def test_an_impossible_fee_policy_is_refused(client: TestClient[Any], store: StoreKey) -> None:
    response = client.put(
        f"{API}/admin/stores/{store.id}/fee-policy",
        json={"percentage": "3", "minimum_fee": 500, "maximum_fee": 100},
        headers=ADMIN,
    )
    assert_problem(response, 422, "invalid_fee_policy")


def test_admin_endpoints_refuse_store_keys_and_strangers(
    client: TestClient[Any], store: StoreKey
) -> None:
    assert_problem(client.get(f"{API}/admin/stores/{store.id}"), 401, "unauthorized")
    assert_problem(
        client.get(f"{API}/admin/stores/{store.id}", headers=store.headers), 401, "unauthorized"
    )


def test_rotating_the_key_retires_the_old_one(client: TestClient[Any], store: StoreKey) -> None:
    response = client.post(f"{API}/admin/stores/{store.id}/api-keys", headers=ADMIN)
    assert response.status_code == 201
    assert response.json()["api_key"] != store.api_key
    assert_problem(client.get(f"{API}/admin/stores/missing", headers=ADMIN), 404, "not_found")


def test_a_retry_with_the_same_key_replays_and_a_reused_key_is_refused(
    client: TestClient[Any],
) -> None:
    headers = {**ADMIN, "Idempotency-Key": "open-ana-1"}
    body = {"name": "Atelier Ana", "business_email": "owner@atelier.example"}
    first = client.post(f"{API}/admin/stores", json=body, headers=headers)
    again = client.post(f"{API}/admin/stores", json=body, headers=headers)
    assert again.status_code == 201
    # The same store; its API key was shown once, in the first answer.
    assert again.json() == first.json() | {"api_key": None, "api_key_withheld": True}
    assert again.headers["idempotent-replayed"] == "true"
    other = client.post(f"{API}/admin/stores", json={**body, "name": "Other"}, headers=headers)
    assert_problem(other, 409, "idempotency_key_reused")
    distinct = open_store(client, "Third")
    assert distinct.id != first.json()["id"]
