"""A shopper's saved cards are offered only to that shopper: a link to an order is not enough.

A store registers an order with a shopper's e-mail; whoever opens its checkout link, or calls
create-intent with its id, sees no saved card and cannot pay with one, nor save a card to that
shopper. Only a customer session, which the store's backend asks for once its shopper signed in,
shows them and lets create-intent use them: once, for that order, for a few minutes.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from dependency_injector import providers
from e2e.conftest import API, StoreKey, assert_problem, service_for
from e2e.shopping import SHOPPER, SUCCEEDS, Marketplace
from litestar.testing import TestClient

from adapters.system.clock import ManualClock
from application.customer_sessions import token_hash
from application.gateway import IntentRequest
from domain.money import Money
from entrypoints.container import Service
from entrypoints.http.app import create_app
from entrypoints.logging import JsonFormatter

START = datetime(2026, 12, 7, 9, tzinfo=UTC)
CARD_ID = re.compile(r"pm_[A-Za-z0-9]+")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def service(tmp_path: Path, clock: ManualClock) -> Iterator[Service]:
    service = service_for(tmp_path / "storepay.sqlite3")
    with service.adapters.clock.override(providers.Object(clock)):
        yield service


@pytest.fixture
def client(service: Service) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(service)) as test_client:
        yield test_client


@pytest.fixture
def market(client: TestClient[Any], service: Service) -> Marketplace:
    return Marketplace(client, service)


@pytest.fixture
def shop(market: Marketplace) -> StoreKey:
    return market.ready_store()


def plant_saved_card(market: Marketplace, store: StoreKey, email: str = SHOPPER) -> str:
    """The shopper paid an earlier purchase with a card and saved it with the store: its id."""
    gateway = market.service.adapters.gateway()
    account = market.set_up_payments(store)

    async def pay_and_save() -> str:
        customer = await gateway.ensure_customer(email=email, store_id=store.id)
        async with market.service.adapters.uow_factory()() as uow:
            await uow.customers.add_gateway_customer(store.id, email, customer)
            await uow.commit()
        intent = await gateway.create_payment_intent(
            IntentRequest(
                amount=Money.of(500, "EUR"),
                application_fee=Money.of(13, "EUR"),
                destination_account=account,
                idempotency_key=f"an earlier purchase of {email} at {store.id}",
                receipt_email=email,
                customer_id=customer,
                save_payment_method=True,
            )
        )
        await market.stripe.confirm(intent.id, intent.client_secret, SUCCEEDS)
        [card] = await gateway.list_payment_methods(customer)
        return card.payment_method_id

    return market.run(pay_and_save)


def customer_session(client: TestClient[Any], store: StoreKey, order_id: str) -> dict[str, Any]:
    response = client.post(f"{API}/store/orders/{order_id}/customer-session", headers=store.headers)
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()
    return issued


def pay_with_saved_card(client: TestClient[Any], intent: dict[str, Any], card_id: str) -> Any:
    return client.post(
        f"/simulator/payment_intents/{intent['payment_intent_id']}/confirm",
        json={"client_secret": intent["client_secret"], "payment_method": card_id},
    )


def intent_request(order_id: str, **body: Any) -> dict[str, Any]:
    return {"order_id": order_id, "amount": 1999, "customer_email": SHOPPER, **body}


def create_intent(client: TestClient[Any], store: StoreKey, body: dict[str, Any]) -> Any:
    return client.post(f"{API}/platform/stores/{store.id}/payments/create-intent", json=body)


# -- the attack: an order's link alone ---------------------------------------------------------


def test_the_order_link_alone_shows_no_saved_card(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    card_id = plant_saved_card(market, shop)
    order_id = market.order(shop, amount=1999)

    page = client.get(f"/checkout/{shop.id}/{order_id}")

    assert page.status_code == 200, page.text
    assert "Visa ending in 4242" not in page.text
    assert card_id not in page.text
    assert not CARD_ID.search(page.text)
    assert 'id="save-card"' not in page.text  # nobody can save a card to this shopper either


def test_create_intent_without_the_shopper_cannot_pay_with_their_saved_card(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    card_id = plant_saved_card(market, shop)
    order_id = market.order(shop, amount=1999)

    intent = market.intent_for(shop, order_id)
    charged = pay_with_saved_card(client, intent, card_id)

    assert_problem(charged, 404, "not_found")
    assert market.order_state(shop, order_id)["payment_status"] == "pending"


def test_nobody_saves_a_card_to_a_shopper_without_the_shopper(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    order_id = market.order(shop)

    refused = create_intent(client, shop, intent_request(order_id, save_payment_method=True))

    assert_problem(refused, 422, "customer_session_required")


# -- the shopper, signed in at the store ------------------------------------------------------


def test_the_signed_in_shopper_sees_and_pays_with_their_saved_card(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    card_id = plant_saved_card(market, shop)
    order_id = market.order(shop, amount=1999)
    issued = customer_session(client, shop, order_id)
    token = issued["customer_session"]
    assert token.startswith("spcs_")
    assert datetime.fromisoformat(issued["expires_at"]) <= START + timedelta(minutes=15)
    checkout = urlsplit(issued["checkout_url"])
    assert checkout.path == f"/checkout/{shop.id}/{order_id}"
    assert parse_qs(checkout.query) == {"customer_session": [token]}

    page = client.get(f"{checkout.path}?{checkout.query}")

    assert page.status_code == 200, page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert "Visa ending in 4242" in page.text
    assert card_id in page.text
    assert f'"customer_session":"{token}"' in page.text.replace(" ", "")
    intent = market.intent_for(shop, order_id, customer_session=token)
    paid = pay_with_saved_card(client, intent, card_id)
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "succeeded"
    assert market.order_state(shop, order_id)["payment_status"] == "paid"


def test_a_customer_session_is_used_once(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    plant_saved_card(market, shop)
    order_id = market.order(shop)
    token = customer_session(client, shop, order_id)["customer_session"]
    market.intent_for(shop, order_id, customer_session=token)

    again = create_intent(client, shop, intent_request(order_id, customer_session=token))
    page = client.get(f"/checkout/{shop.id}/{order_id}", params={"customer_session": token})

    assert_problem(again, 422, "customer_session_invalid")
    assert page.status_code == 200, page.text
    assert "Visa ending in 4242" not in page.text
    assert token not in page.text


def test_a_customer_session_expires_within_fifteen_minutes(
    client: TestClient[Any], market: Marketplace, shop: StoreKey, clock: ManualClock
) -> None:
    plant_saved_card(market, shop)
    order_id = market.order(shop)
    token = customer_session(client, shop, order_id)["customer_session"]

    clock.advance(timedelta(minutes=15))
    page = client.get(f"/checkout/{shop.id}/{order_id}", params={"customer_session": token})
    late = create_intent(client, shop, intent_request(order_id, customer_session=token))

    assert "Visa ending in 4242" not in page.text
    assert_problem(late, 422, "customer_session_invalid")


def test_a_customer_session_is_for_its_own_order_and_store(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    plant_saved_card(market, shop)
    other_shop = market.ready_store("Another shop")
    plant_saved_card(market, other_shop)
    order_id = market.order(shop)
    other_order = market.order(shop, reference="OTHER-1")
    elsewhere = market.order(other_shop, reference="ELSEWHERE-1")
    token = customer_session(client, shop, order_id)["customer_session"]

    for store, order in ((shop, other_order), (other_shop, elsewhere)):
        page = client.get(f"/checkout/{store.id}/{order}", params={"customer_session": token})
        assert "Visa ending in 4242" not in page.text
        refused = create_intent(client, store, intent_request(order, customer_session=token))
        assert_problem(refused, 422, "customer_session_invalid")
    # Refused elsewhere, it was not used up: its own order still takes it.
    market.intent_for(shop, order_id, customer_session=token)


def test_another_store_cannot_ask_for_a_session_for_an_order_it_does_not_own(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    order_id = market.order(shop)
    other_shop = market.ready_store("Another shop")

    response = client.post(
        f"{API}/store/orders/{order_id}/customer-session", headers=other_shop.headers
    )

    assert_problem(response, 404, "not_found")


def test_an_intent_made_for_the_signed_in_shopper_is_not_handed_to_a_link_holder(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    card_id = plant_saved_card(market, shop)
    order_id = market.order(shop)
    token = customer_session(client, shop, order_id)["customer_session"]
    shoppers = market.intent_for(shop, order_id, customer_session=token)

    intruders = market.intent_for(shop, order_id)

    assert intruders["payment_intent_id"] != shoppers["payment_intent_id"]
    assert_problem(pay_with_saved_card(client, intruders, card_id), 404, "not_found")
    # The shopper's intent was canceled with it: its client secret charges nothing any more.
    assert pay_with_saved_card(client, shoppers, card_id).status_code != 200
    assert market.order_state(shop, order_id)["payment_status"] == "pending"


def test_a_customer_session_is_kept_as_a_hash_and_never_logged(
    client: TestClient[Any], market: Marketplace, shop: StoreKey, service: Service
) -> None:
    order_id = market.order(shop)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        token = customer_session(client, shop, order_id)["customer_session"]
        client.get(f"/checkout/{shop.id}/{order_id}", params={"customer_session": token})
        market.intent_for(shop, order_id, customer_session=token)
    finally:
        root.removeHandler(handler)

    async def stored() -> str:
        async with service.adapters.uow_factory()() as uow:
            session = await uow.customer_sessions.by_token_hash(token_hash(token))
        return repr(session)

    assert token not in stream.getvalue()
    assert "spcs_[redacted]" in stream.getvalue()
    kept = market.run(stored)
    assert token_hash(token) in kept
    assert token not in kept
    assert token[5:] not in kept


def test_a_retry_with_the_same_idempotency_key_gets_the_same_session(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    order_id = market.order(shop)
    other_order = market.order(shop, reference="OTHER-2")
    url = f"{API}/store/orders/{order_id}/customer-session"
    headers = {**shop.headers, "Idempotency-Key": "sign-in-1"}

    first = client.post(url, headers=headers)
    again = client.post(url, headers=headers)
    elsewhere = client.post(f"{API}/store/orders/{other_order}/customer-session", headers=headers)
    fresh = client.post(url, headers=shop.headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert_problem(elsewhere, 409, "idempotency_key_reused")
    assert fresh.json()["customer_session"] != first.json()["customer_session"]
    too_long = client.post(url, headers={**shop.headers, "Idempotency-Key": "k" * 201})
    assert_problem(too_long, 400, "validation_error")


def test_a_paid_order_gets_no_customer_session(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    order_id = market.order(shop)
    market.confirm(market.intent_for(shop, order_id), SUCCEEDS)

    response = client.post(f"{API}/store/orders/{order_id}/customer-session", headers=shop.headers)

    assert_problem(response, 409, "order_already_paid")
