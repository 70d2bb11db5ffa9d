"""The storefront over HTTP: a shopper pays an order, and every way create-intent says no."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from entrypoints.container import Service
from entrypoints.http.app import create_app

from .conftest import ADMIN, API, StoreKey, assert_problem, open_store, service_for
from .shopping import (
    DECLINED,
    DISPUTED,
    INSUFFICIENT_FUNDS,
    REQUIRES_3DS,
    SHOPPER,
    SUCCEEDS,
    Marketplace,
)


@pytest.fixture
def market(client: TestClient[Any], service: Service) -> Marketplace:
    return Marketplace(client, service)


@pytest.fixture
def shop(market: Marketplace) -> StoreKey:
    return market.ready_store()


def test_a_shopper_pays_an_order_from_store_setup_to_paid(
    market: Marketplace, client: TestClient[Any]
) -> None:
    store = open_store(client)
    account_id = market.set_up_payments(store)
    config = client.get(f"{API}/admin/stores/{store.id}", headers=ADMIN).json()["payment_config"]
    assert config["accepts_payments"] is False
    market.complete_onboarding(account_id)
    config = client.get(f"{API}/admin/stores/{store.id}", headers=ADMIN).json()["payment_config"]
    assert config["accepts_payments"] is True
    assert config["account_status"] == "active"

    order_id = market.order(store, amount=1999)
    preview = client.get(
        f"{API}/platform/stores/{store.id}/payments/fee-preview",
        params={"amount": 1999, "currency": "eur"},
    )
    assert preview.status_code == 200
    assert preview.json()["platform_fee"] == 50
    intent = market.intent_for(store, order_id)
    assert intent["gateway"] == "simulated"
    assert "publishable_key" not in intent
    assert intent["client_secret"].startswith(intent["payment_intent_id"])
    assert (intent["amount_total"], intent["platform_fee"], intent["amount_store"]) == (
        1999,
        50,
        1949,
    )
    assert intent["currency"] == "EUR"
    assert {k: v for k, v in preview.json().items() if k in intent} == {
        k: intent[k] for k in preview.json()
    }

    confirmed = market.confirm(intent, SUCCEEDS)
    assert confirmed["status"] == "succeeded"

    payment = market.payment(store, intent["payment_id"])
    assert payment["status"] == "succeeded"
    assert payment["amount_total"] == 1999
    assert payment["amount_platform_fee"] == 50
    assert payment["amount_store"] == 1949
    assert payment["stripe_payment_intent_id"] == intent["payment_intent_id"]
    order = market.order_state(store, order_id)
    assert order["payment_status"] == "paid"
    assert order["status"] == "processing"
    assert order["payment_id"] == intent["payment_id"]


@pytest.mark.parametrize(
    ("card", "intent_status", "payment_status", "failure_reason"),
    [
        (SUCCEEDS, "succeeded", "succeeded", None),
        (DECLINED, "requires_payment_method", "failed", "card_declined"),
        (INSUFFICIENT_FUNDS, "requires_payment_method", "failed", "insufficient_funds"),
        (REQUIRES_3DS, "requires_action", "requires_action", None),
        (DISPUTED, "succeeded", "disputed", None),
    ],
)
def test_each_test_card_does_what_stripe_test_mode_does(
    market: Marketplace,
    shop: StoreKey,
    card: str,
    intent_status: str,
    payment_status: str,
    failure_reason: str | None,
) -> None:
    intent = market.intent_for(shop, market.order(shop))
    confirmed = market.confirm(intent, card)
    assert confirmed["status"] == intent_status
    payment = market.payment(shop, intent["payment_id"])
    assert payment["status"] == payment_status
    assert payment["failure_reason"] == failure_reason
    if failure_reason is None:
        assert confirmed["last_payment_error"] is None
    else:
        assert confirmed["last_payment_error"]["code"] == "card_declined"


def test_three_d_secure_passed_pays_and_failed_lets_the_shopper_try_again(
    market: Marketplace, shop: StoreKey
) -> None:
    order_id = market.order(shop)
    intent = market.intent_for(shop, order_id)
    assert market.confirm(intent, REQUIRES_3DS)["next_action"] == "three_d_secure"
    assert market.authenticate(intent, success=False)["status"] == "requires_payment_method"
    assert market.payment(shop, intent["payment_id"])["status"] == "failed"

    again = market.intent_for(shop, order_id)
    assert again["payment_intent_id"] == intent["payment_intent_id"]
    market.confirm(again, REQUIRES_3DS)
    assert market.authenticate(again, success=True)["status"] == "succeeded"
    assert market.payment(shop, intent["payment_id"])["status"] == "succeeded"
    assert market.order_state(shop, order_id)["payment_status"] == "paid"


def test_a_declined_shopper_retries_on_the_same_intent_and_pays(
    market: Marketplace, shop: StoreKey
) -> None:
    order_id = market.order(shop)
    intent = market.intent_for(shop, order_id)
    market.confirm(intent, DECLINED)
    assert market.order_state(shop, order_id)["payment_status"] == "failed"
    retry = market.intent_for(shop, order_id)
    assert retry["payment_intent_id"] == intent["payment_intent_id"]
    assert market.confirm(retry, SUCCEEDS)["status"] == "succeeded"
    assert market.order_state(shop, order_id)["payment_status"] == "paid"


def test_the_same_open_intent_is_returned_however_often_it_is_asked_for(
    market: Marketplace, shop: StoreKey
) -> None:
    order_id = market.order(shop)
    first = market.intent_for(shop, order_id)
    second = market.intent_for(shop, order_id, metadata={"cart": "42"})
    assert second["payment_intent_id"] == first["payment_intent_id"]
    assert second["client_secret"] == first["client_secret"]
    assert second["payment_id"] == first["payment_id"]


def test_a_paid_order_gets_no_second_intent(market: Marketplace, shop: StoreKey) -> None:
    order_id = market.order(shop)
    market.confirm(market.intent_for(shop, order_id), SUCCEEDS)
    assert_problem(market.create_intent(shop.id, order_id), 409, "order_already_paid")


def test_a_store_that_does_not_accept_payments_is_refused(
    market: Marketplace, client: TestClient[Any]
) -> None:
    never_set_up = open_store(client, "Never set up")
    order_id = market.order(never_set_up)
    assert_problem(market.create_intent(never_set_up.id, order_id), 409, "payments_not_enabled")
    onboarding = open_store(client, "Still onboarding")
    market.set_up_payments(onboarding)
    order_id = market.order(onboarding)
    assert_problem(market.create_intent(onboarding.id, order_id), 409, "payments_not_enabled")


def test_an_order_must_belong_to_the_store(market: Marketplace, shop: StoreKey) -> None:
    other = market.ready_store("Other shop")
    theirs = market.order(other)
    assert_problem(market.create_intent(shop.id, theirs), 404, "not_found")
    assert_problem(market.create_intent(shop.id, "ord_missing"), 404, "not_found")
    assert_problem(market.create_intent("store_missing", theirs), 404, "not_found")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"amount": 1998}, "amount_mismatch"),
        ({"currency": "usd"}, "currency_mismatch"),
        ({"customer_email": "someone.else@example.lu"}, "customer_mismatch"),
        ({"metadata": {"storepay_order_id": "forged"}}, "invalid_metadata"),
    ],
)
def test_what_the_page_pays_must_be_the_order(
    market: Marketplace, shop: StoreKey, body: dict[str, Any], code: str
) -> None:
    order_id = market.order(shop, amount=1999)
    assert_problem(market.create_intent(shop.id, order_id, **body), 422, code)


def test_the_customer_email_matches_whatever_its_case(market: Marketplace, shop: StoreKey) -> None:
    order_id = market.order(shop)
    intent = market.intent_for(shop, order_id, customer_email=SHOPPER.upper(), currency="eur")
    assert intent["currency"] == "EUR"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "1999"}, "amount"),
        ({"amount": 19.99}, "amount"),
        ({"amount": 1999.0}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": -5}, "amount"),
        ({"save_payment_method": "yes"}, "save_payment_method"),
        ({"metadata": {"cart": 42}}, "metadata"),
        ({"currency": "euro"}, "currency"),
        ({"tip": 100}, "tip"),
    ],
)
def test_malformed_bodies_are_refused_naming_the_field(
    market: Marketplace, shop: StoreKey, body: dict[str, Any], field: str
) -> None:
    order_id = market.order(shop)
    problem = assert_problem(
        market.create_intent(shop.id, order_id, **body), 400, "validation_error"
    )
    assert problem["field"].startswith(field)


def test_a_missing_field_is_refused(client: TestClient[Any], shop: StoreKey) -> None:
    response = client.post(
        f"{API}/platform/stores/{shop.id}/payments/create-intent", json={"order_id": "ord_x"}
    )
    assert_problem(response, 400, "validation_error")


def test_the_fee_preview_follows_the_store_policy(client: TestClient[Any], shop: StoreKey) -> None:
    client.put(
        f"{API}/admin/stores/{shop.id}/fee-policy",
        json={"percentage": "3", "fixed_amount": 30, "maximum_fee": 500},
        headers=ADMIN,
    )
    preview = client.get(
        f"{API}/platform/stores/{shop.id}/payments/fee-preview",
        params={"amount": 100_000, "currency": "EUR"},
    )
    assert preview.status_code == 200
    assert preview.json() == {
        "amount_total": 100_000,
        "amount_store": 99_500,
        "platform_fee": 500,
        "currency": "EUR",
        "amount_total_display": "EUR 1000.00",
        "amount_store_display": "EUR 995.00",
        "platform_fee_display": "EUR 5.00",
    }


def test_a_zero_decimal_currency_is_previewed_in_whole_units(
    client: TestClient[Any], market: Marketplace
) -> None:
    yen = market.ready_store("Kissa", country="JP", currency="JPY")
    preview = client.get(
        f"{API}/platform/stores/{yen.id}/payments/fee-preview",
        params={"amount": 1000, "currency": "jpy"},
    )
    assert preview.status_code == 200
    assert preview.json()["amount_total"] == 1000
    assert preview.json()["platform_fee"] == 25
    assert preview.json()["currency"] == "JPY"


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"amount": "19.99", "currency": "EUR"}, 400, "validation_error"),
        ({"amount": "0", "currency": "EUR"}, 400, "validation_error"),
        ({"amount": "abc", "currency": "EUR"}, 400, "validation_error"),
        ({"currency": "EUR"}, 400, "validation_error"),
        ({"amount": "1999"}, 400, "validation_error"),
        ({"amount": "1999", "currency": "XXX"}, 422, "unknown_currency"),
        ({"amount": "100000000", "currency": "EUR"}, 400, "validation_error"),
        ({"amount": "1999", "currency": "EURO"}, 400, "validation_error"),
    ],
)
def test_a_fee_preview_needs_a_whole_amount_in_the_store_currency(
    client: TestClient[Any], shop: StoreKey, params: dict[str, str], status: int, code: str
) -> None:
    response = client.get(f"{API}/platform/stores/{shop.id}/payments/fee-preview", params=params)
    assert_problem(response, status, code)


def test_a_fee_preview_for_an_unknown_store_is_not_found(client: TestClient[Any]) -> None:
    response = client.get(
        f"{API}/platform/stores/store_missing/payments/fee-preview",
        params={"amount": "1999", "currency": "EUR"},
    )
    assert_problem(response, 404, "not_found")


# -- cross-origin and rate limits --------------------------------------------------------------

SHOP_ORIGIN = "https://shop.example"


@pytest.fixture
def cors_client(tmp_path: Path) -> Iterator[TestClient[Any]]:
    service = service_for(tmp_path / "cors.sqlite3", STOREPAY_CORS_ORIGINS=SHOP_ORIGIN)
    with TestClient(create_app(service)) as test_client:
        yield test_client


def test_a_configured_storefront_origin_may_call_and_a_foreign_one_may_not(
    cors_client: TestClient[Any],
) -> None:
    store = open_store(cors_client)
    path = f"{API}/platform/stores/{store.id}/payments/create-intent"
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }

    allowed = cors_client.options(path, headers={"Origin": SHOP_ORIGIN, **preflight})
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == SHOP_ORIGIN
    assert "POST" in allowed.headers["access-control-allow-methods"]

    foreign = cors_client.options(path, headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in foreign.headers

    preview = f"{API}/platform/stores/{store.id}/payments/fee-preview?amount=1999&currency=EUR"
    answer = cors_client.get(preview, headers={"Origin": SHOP_ORIGIN})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == SHOP_ORIGIN
    refused = cors_client.get(preview, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in refused.headers


@pytest.fixture
def limited_client(tmp_path: Path) -> Iterator[TestClient[Any]]:
    service = service_for(tmp_path / "limited.sqlite3", STOREPAY_RATE_LIMIT_PER_MINUTE="3")
    with TestClient(create_app(service)) as test_client:
        yield test_client


def test_the_storefront_is_rate_limited_per_address(limited_client: TestClient[Any]) -> None:
    store = open_store(limited_client)
    preview = f"{API}/platform/stores/{store.id}/payments/fee-preview?amount=1999&currency=EUR"
    intent = f"{API}/platform/stores/{store.id}/payments/create-intent"
    assert limited_client.get(preview).status_code == 200
    assert limited_client.get(preview).status_code == 200
    assert limited_client.post(intent, json={}).status_code == 400  # counted too
    limited = limited_client.get(preview)
    problem = assert_problem(limited, 429, "rate_limited")
    assert int(limited.headers["retry-after"]) > 0
    assert problem["title"] == "Too many requests"
    assert_problem(limited_client.post(intent, json={}), 429, "rate_limited")


def test_the_rate_limit_spares_everything_but_the_storefront(
    limited_client: TestClient[Any],
) -> None:
    store = open_store(limited_client)
    for _ in range(5):
        assert (
            limited_client.get(f"{API}/admin/stores/{store.id}", headers=ADMIN).status_code == 200
        )
        assert limited_client.post("/webhooks/stripe", content=b"{}").status_code == 400
        assert limited_client.post("/webhooks/stripe/connect", content=b"{}").status_code == 400
        assert limited_client.get("/health").status_code == 200


def test_no_limit_when_it_is_turned_off(tmp_path: Path) -> None:
    service = service_for(tmp_path / "unlimited.sqlite3", STOREPAY_RATE_LIMIT_PER_MINUTE="0")
    with TestClient(create_app(service)) as unlimited:
        store = open_store(unlimited)
        preview = f"{API}/platform/stores/{store.id}/payments/fee-preview"
        for _ in range(10):
            answer = unlimited.get(preview, params={"amount": 1999, "currency": "EUR"})
            assert answer.status_code == 200
            assert "ratelimit-limit" not in answer.headers


def test_the_default_limit_is_announced(client: TestClient[Any], shop: StoreKey) -> None:
    answer = client.get(
        f"{API}/platform/stores/{shop.id}/payments/fee-preview",
        params={"amount": 1999, "currency": "EUR"},
    )
    assert answer.headers["ratelimit-limit"] == "120"
