"""A shopper's saved cards over HTTP: listed from the gateway, one default, removed for good."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from entrypoints.container import Service

from .conftest import API, StoreKey, assert_problem, open_store
from .store_support import MASTERCARD, SUCCEEDS, onboard, pay, register_order, stripe

SHOPPER = "ana@shopper.example"


def methods(email: str = SHOPPER) -> str:
    return f"{API}/store/customers/{email}/payment-methods"


def save_cards(
    client: TestClient[Any], service: Service, store: StoreKey, *card_numbers: str
) -> None:
    for number, card in enumerate(card_numbers):
        order = register_order(client, store, f"CARD-{number}", customer_email=SHOPPER)
        pay(client, service, store, order, card, save_card=True)


@pytest.fixture
def onboarded(client: TestClient[Any], service: Service, store: StoreKey) -> StoreKey:
    onboard(client, service, store)
    return store


def test_saved_cards_are_listed_newest_first(
    client: TestClient[Any], service: Service, onboarded: StoreKey
) -> None:
    save_cards(client, service, onboarded, SUCCEEDS, MASTERCARD)
    response = client.get(methods("Ana@Shopper.example"), headers=onboarded.headers)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["has_more"] is False
    assert [(m["card_brand"], m["card_last4"]) for m in page["data"]] == [
        ("mastercard", "4444"),
        ("visa", "4242"),
    ]
    for method in page["data"]:
        assert method["id"].startswith("pm_")
        assert method["type"] == "card"
        assert 1 <= method["card_exp_month"] <= 12
        assert method["card_exp_year"] >= 2026
        assert method["is_default"] is False


def test_saved_cards_page(client: TestClient[Any], service: Service, onboarded: StoreKey) -> None:
    save_cards(client, service, onboarded, SUCCEEDS, MASTERCARD, SUCCEEDS)
    everything = client.get(methods(), headers=onboarded.headers).json()["data"]
    first = client.get(methods(), params={"limit": 2}, headers=onboarded.headers).json()
    assert first["data"] == everything[:2]
    assert first["has_more"] is True
    rest = client.get(
        methods(),
        params={"limit": 2, "starting_after": everything[1]["id"]},
        headers=onboarded.headers,
    ).json()
    assert rest == {"data": everything[2:], "has_more": False}
    assert_problem(
        client.get(methods(), params={"starting_after": "pm_missing"}, headers=onboarded.headers),
        400,
        "invalid_page",
    )
    problem = assert_problem(
        client.get(methods(), params={"limit": 0}, headers=onboarded.headers),
        400,
        "validation_error",
    )
    assert problem["field"] == "limit"


def test_a_shopper_without_cards_has_none(client: TestClient[Any], store: StoreKey) -> None:
    response = client.get(methods("nobody@shopper.example"), headers=store.headers)
    assert response.status_code == 200
    assert response.json() == {"data": [], "has_more": False}
    assert_problem(
        client.get(methods("not-an-address"), headers=store.headers), 422, "invalid_email"
    )


def test_one_card_is_the_default(
    client: TestClient[Any], service: Service, onboarded: StoreKey
) -> None:
    save_cards(client, service, onboarded, SUCCEEDS, MASTERCARD)
    mastercard, visa = client.get(methods(), headers=onboarded.headers).json()["data"]
    for chosen in (visa, mastercard):
        response = client.post(f"{methods()}/{chosen['id']}/default", headers=onboarded.headers)
        assert response.status_code == 200, response.text
        assert response.json()["id"] == chosen["id"]
        assert response.json()["is_default"] is True
        listed = client.get(methods(), headers=onboarded.headers).json()["data"]
        assert [m["id"] for m in listed if m["is_default"]] == [chosen["id"]]


def test_a_removed_card_is_detached_at_the_gateway(
    client: TestClient[Any], service: Service, onboarded: StoreKey
) -> None:
    save_cards(client, service, onboarded, SUCCEEDS, MASTERCARD)
    mastercard, visa = client.get(methods(), headers=onboarded.headers).json()["data"]
    response = client.delete(f"{methods()}/{visa['id']}", headers=onboarded.headers)
    assert response.status_code == 204
    assert response.content == b""
    listed = client.get(methods(), headers=onboarded.headers).json()["data"]
    assert [m["id"] for m in listed] == [mastercard["id"]]
    assert stripe(service).retrieve_object(visa["id"])["customer"] is None
    assert_problem(
        client.delete(f"{methods()}/{visa['id']}", headers=onboarded.headers), 404, "not_found"
    )


def test_another_stores_shopper_cards_are_out_of_reach(
    client: TestClient[Any], service: Service, onboarded: StoreKey
) -> None:
    save_cards(client, service, onboarded, SUCCEEDS)
    [card] = client.get(methods(), headers=onboarded.headers).json()["data"]
    other = open_store(client, "Other Shop")
    assert client.get(methods(), headers=other.headers).json() == {"data": [], "has_more": False}
    assert_problem(
        client.post(f"{methods()}/{card['id']}/default", headers=other.headers), 404, "not_found"
    )
    assert_problem(
        client.delete(f"{methods()}/{card['id']}", headers=other.headers), 404, "not_found"
    )
    # nor through another shopper of the same store
    someone_else = methods("bob@shopper.example")
    assert_problem(
        client.post(f"{someone_else}/{card['id']}/default", headers=onboarded.headers),
        404,
        "not_found",
    )
    assert_problem(
        client.delete(f"{someone_else}/{card['id']}", headers=onboarded.headers), 404, "not_found"
    )
    still = client.get(methods(), headers=onboarded.headers).json()["data"]
    assert [m["id"] for m in still] == [card["id"]]


def test_saved_cards_want_a_store_key(client: TestClient[Any], store: StoreKey) -> None:
    assert_problem(client.get(methods()), 401, "unauthorized")
    assert_problem(client.post(f"{methods()}/pm_1/default"), 401, "unauthorized")
    assert_problem(client.delete(f"{methods()}/pm_1"), 401, "unauthorized")


def test_a_retried_default_choice_replays(
    client: TestClient[Any], service: Service, onboarded: StoreKey
) -> None:
    save_cards(client, service, onboarded, SUCCEEDS)
    [card] = client.get(methods(), headers=onboarded.headers).json()["data"]
    headers = {**onboarded.headers, "Idempotency-Key": "default-1"}
    first = client.post(f"{methods()}/{card['id']}/default", headers=headers)
    again = client.post(f"{methods()}/{card['id']}/default", headers=headers)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
