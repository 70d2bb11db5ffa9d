"""The store's payment account over HTTP: configuration, setup, onboarding links, payouts."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from entrypoints.container import Service

from .conftest import ADMIN, API, StoreKey, assert_problem, bearer, open_store
from .store_support import stripe

CONFIG = f"{API}/store/payments/config"
SETUP = f"{API}/store/payments/setup"
LINK = f"{API}/store/payments/onboarding-link"
SETTINGS = f"{API}/store/payments/settings"


def test_a_new_store_has_no_payment_account_yet(client: TestClient[Any], store: StoreKey) -> None:
    response = client.get(CONFIG, headers=store.headers)
    assert response.status_code == 200
    config = response.json()
    assert {
        key: config[key]
        for key in (
            "stripe_account_id",
            "account_status",
            "accepts_payments",
            "currency",
            "platform_fee_percentage",
            "needs_onboarding",
            "payout_schedule",
            "minimum_payout",
        )
    } == {
        "stripe_account_id": None,
        "account_status": "not_configured",
        "accepts_payments": False,
        "currency": "EUR",
        "platform_fee_percentage": "2.5",
        "needs_onboarding": True,
        "payout_schedule": "weekly",
        "minimum_payout": 0,
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", CONFIG),
        ("POST", SETUP),
        ("POST", LINK),
        ("PATCH", SETTINGS),
        ("GET", f"{API}/store/balance"),
    ],
)
def test_store_endpoints_want_a_store_key(
    client: TestClient[Any], store: StoreKey, method: str, path: str
) -> None:
    for headers in ({}, bearer("spk_not_a_key"), ADMIN, {"Authorization": store.api_key}):
        response = client.request(method, path, headers=headers, json={})
        assert_problem(response, 401, "unauthorized")


def test_a_rotated_key_no_longer_opens_the_back_office(
    client: TestClient[Any], store: StoreKey
) -> None:
    rotated = client.post(f"{API}/admin/stores/{store.id}/api-keys", headers=ADMIN).json()
    assert_problem(client.get(CONFIG, headers=store.headers), 401, "unauthorized")
    assert client.get(CONFIG, headers=bearer(rotated["api_key"])).status_code == 200


def test_setting_up_creates_one_account_and_a_fresh_link_each_time(
    client: TestClient[Any], service: Service, store: StoreKey
) -> None:
    first = client.post(SETUP, headers=store.headers)
    assert first.status_code == 200, first.text
    created = first.json()
    assert created["stripe_account_id"].startswith("acct_")
    assert created["onboarding_url"].startswith("http")
    assert created["expires_at"].endswith("Z")
    assert created["created"] is True
    assert created["message"]

    again = client.post(SETUP, json={"city": "Luxembourg"}, headers=store.headers)
    assert again.status_code == 200
    assert again.json()["stripe_account_id"] == created["stripe_account_id"]
    assert again.json()["created"] is False
    assert again.json()["onboarding_url"]

    config = client.get(CONFIG, headers=store.headers).json()
    assert config["stripe_account_id"] == created["stripe_account_id"]
    assert config["account_status"] == "pending"
    assert config["needs_onboarding"] is True
    assert config["accepts_payments"] is False

    client.blocking_portal.call(stripe(service).complete_onboarding, created["stripe_account_id"])
    config = client.get(CONFIG, headers=store.headers).json()
    assert config["account_status"] == "active"
    assert config["accepts_payments"] is True
    assert config["needs_onboarding"] is False


def test_setup_accepts_an_address_and_refuses_what_is_not_one(
    client: TestClient[Any], store: StoreKey
) -> None:
    response = client.post(
        SETUP,
        json={"address_line1": "1 rue de la Gare", "city": "Luxembourg", "postal_code": "1611"},
        headers=store.headers,
    )
    assert response.status_code == 200, response.text
    for body, field in (
        ({"city": 1611}, "city"),
        ({"postal_code": ""}, "postal_code"),
        ({"address_line1": "x" * 201}, "address_line1"),
        ({"country": "LU"}, "country"),
    ):
        problem = assert_problem(
            client.post(SETUP, json=body, headers=store.headers), 400, "validation_error"
        )
        assert problem["field"] == field
    not_json = client.post(
        SETUP, content=b"{", headers={**store.headers, "Content-Type": "application/json"}
    )
    assert_problem(not_json, 400, "validation_error")


def test_a_retried_setup_replays_its_answer(client: TestClient[Any], store: StoreKey) -> None:
    headers = {**store.headers, "Idempotency-Key": "setup-1"}
    first = client.post(SETUP, json={"city": "Luxembourg"}, headers=headers)
    again = client.post(SETUP, json={"city": "Luxembourg"}, headers=headers)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = client.post(SETUP, json={"city": "Esch"}, headers=headers)
    assert_problem(other, 409, "idempotency_key_reused")


def test_an_onboarding_link_needs_an_account_first(
    client: TestClient[Any], store: StoreKey
) -> None:
    assert_problem(client.post(LINK, headers=store.headers), 409, "payments_not_set_up")
    account_id = client.post(SETUP, headers=store.headers).json()["stripe_account_id"]
    response = client.post(LINK, headers=store.headers)
    assert response.status_code == 200
    link = response.json()
    assert account_id in link["onboarding_url"]
    assert link["expires_at"].endswith("Z")


def test_payout_settings_change_and_show_in_the_config(
    client: TestClient[Any], store: StoreKey
) -> None:
    assert_problem(
        client.patch(SETTINGS, json={"payout_schedule": "daily"}, headers=store.headers),
        409,
        "payments_not_set_up",
    )
    minimum = client.patch(SETTINGS, json={"minimum_payout": 5000}, headers=store.headers)
    assert minimum.status_code == 200, minimum.text
    assert minimum.json()["minimum_payout"] == 5000
    assert minimum.json()["payout_schedule"] == "weekly"

    client.post(SETUP, headers=store.headers)
    response = client.patch(SETTINGS, json={"payout_schedule": "monthly"}, headers=store.headers)
    assert response.status_code == 200
    assert response.json()["payout_schedule"] == "monthly"
    assert response.json()["minimum_payout"] == 5000
    config = client.get(CONFIG, headers=store.headers).json()
    assert (config["payout_schedule"], config["minimum_payout"]) == ("monthly", 5000)
    unchanged = client.patch(SETTINGS, json={}, headers=store.headers)
    assert unchanged.json()["payout_schedule"] == "monthly"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"payout_schedule": 7}, "payout_schedule"),
        ({"minimum_payout": "5000"}, "minimum_payout"),
        ({"minimum_payout": 50.0}, "minimum_payout"),
        ({"minimum_payout": -1}, "minimum_payout"),
        ({"payout_day": "monday"}, "payout_day"),
    ],
)
def test_payout_settings_are_validated(
    client: TestClient[Any], store: StoreKey, body: dict[str, Any], field: str
) -> None:
    problem = assert_problem(
        client.patch(SETTINGS, json=body, headers=store.headers), 400, "validation_error"
    )
    assert problem["field"] == field


def test_a_schedule_that_does_not_exist_is_refused_by_the_payout_rules(
    client: TestClient[Any], store: StoreKey
) -> None:
    answer = client.patch(SETTINGS, json={"payout_schedule": "yearly"}, headers=store.headers)
    problem = assert_problem(answer, 422, "invalid_payout_settings")
    assert "daily, weekly, monthly, manual" in problem["detail"]


def test_a_minimum_payout_the_currency_cannot_pay_out_is_refused(
    client: TestClient[Any],
) -> None:
    forints = open_store(client, "Budapest Books", currency="HUF")
    problem = assert_problem(
        client.patch(SETTINGS, json={"minimum_payout": 150}, headers=forints.headers),
        422,
        "invalid_payout_settings",
    )
    assert "HUF" in problem["detail"]
    whole = client.patch(SETTINGS, json={"minimum_payout": 1500000}, headers=forints.headers)
    assert whole.status_code == 200
    assert whole.json()["currency"] == "HUF"
