"""The public routes of an order (its checkout page, its payment status, create-intent, the
return page) show its shopper's e-mail masked, or not at all: holding an order's link tells
nobody whose order it is."""

from __future__ import annotations

from typing import Any

import pytest
from e2e.conftest import API, StoreKey, assert_problem
from e2e.shopping import Marketplace
from litestar.testing import TestClient

from entrypoints.container import Service

SHOPPER = "lucia.ferreira@example.com"
MASKED = "l***@example.com"


@pytest.fixture
def market(client: TestClient[Any], service: Service) -> Marketplace:
    return Marketplace(client, service)


@pytest.fixture
def shop(market: Marketplace) -> StoreKey:
    return market.ready_store()


def test_the_checkout_page_shows_the_e_mail_masked_only(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    order_id = market.order(shop, customer_email=SHOPPER)

    page = client.get(f"/checkout/{shop.id}/{order_id}")

    assert page.status_code == 200, page.text
    assert MASKED in page.text
    assert "lucia" not in page.text.lower()


def test_the_payment_status_the_intent_and_the_return_page_name_no_e_mail(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    order_id = market.order(shop, customer_email=SHOPPER)
    intent = client.post(
        f"{API}/platform/stores/{shop.id}/payments/create-intent",
        json={"order_id": order_id, "amount": 1999},
    )
    status = client.get(f"{API}/platform/stores/{shop.id}/orders/{order_id}/payment-status")
    complete = client.get("/checkout/complete", params={"store": shop.id, "order": order_id})

    for response in (intent, status, complete):
        assert response.status_code == 200, response.text
        assert "lucia" not in response.text.lower()
        assert "@" not in response.text.replace(MASKED, "")


def test_create_intent_still_checks_an_e_mail_it_is_given(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    order_id = market.order(shop, customer_email=SHOPPER)
    url = f"{API}/platform/stores/{shop.id}/payments/create-intent"

    wrong = client.post(
        url, json={"order_id": order_id, "amount": 1999, "customer_email": "x@y.lu"}
    )
    right = client.post(
        url, json={"order_id": order_id, "amount": 1999, "customer_email": SHOPPER.upper()}
    )

    problem = assert_problem(wrong, 422, "customer_mismatch")
    assert "lucia" not in str(problem).lower()
    assert right.status_code == 200, right.text
