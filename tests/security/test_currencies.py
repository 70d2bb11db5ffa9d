"""Money enters only in a currency Stripe takes card payments in, and a store's orders are in
the store's currency, so its fee policy applies to every one of them: nothing a store, a shopper
or the operator sends can leave an order that cannot be paid or whose status cannot be shown."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from e2e.conftest import ADMIN, API, StoreKey, assert_problem, open_store
from e2e.store_support import onboard, register_order
from litestar.testing import TestClient

from domain.money import Money
from domain.order import Order
from entrypoints.container import Service

# ISO 4217 fund codes and currencies Stripe does not present card payments in.
NOT_FOR_CARDS = ["CLF", "UYW", "BOV", "CHE", "VES", "IRR", "kpw"]


@pytest.mark.parametrize("currency", NOT_FOR_CARDS)
def test_a_store_cannot_be_opened_in_a_currency_cards_are_not_paid_in(
    client: TestClient[Any], currency: str
) -> None:
    body = {"name": "Fund shop", "business_email": "owner@fund.example", "currency": currency}
    response = client.post(f"{API}/admin/stores", json=body, headers=ADMIN)
    problem = assert_problem(response, 422, "unsupported_currency")
    assert problem["field"] == "currency"
    assert currency.upper() in problem["detail"]


def test_an_unknown_code_names_the_field_too(client: TestClient[Any]) -> None:
    body = {"name": "Shop", "business_email": "owner@shop.example", "currency": "XYZ"}
    problem = assert_problem(
        client.post(f"{API}/admin/stores", json=body, headers=ADMIN), 422, "unknown_currency"
    )
    assert problem["field"] == "currency"


@pytest.mark.parametrize("currency", ["CLF", "UYW"])
def test_no_order_preview_intent_or_report_is_in_a_currency_cards_are_not_paid_in(
    client: TestClient[Any], service: Service, store: StoreKey, currency: str
) -> None:
    onboard(client, service, store)
    order = register_order(client, store, "A-1")
    refusals = [
        client.post(
            f"{API}/store/orders",
            json={
                "reference": "A-2",
                "customer_email": "ana@shopper.example",
                "amount": 1999,
                "currency": currency,
            },
            headers=store.headers,
        ),
        client.get(
            f"{API}/platform/stores/{store.id}/payments/fee-preview",
            params={"amount": 1999, "currency": currency},
        ),
        client.post(
            f"{API}/platform/stores/{store.id}/payments/create-intent",
            json={
                "order_id": order["id"],
                "amount": 1999,
                "currency": currency,
                "customer_email": "ana@shopper.example",
            },
        ),
        client.get(
            f"{API}/admin/reports/platform-fees", params={"currency": currency}, headers=ADMIN
        ),
    ]
    for response in refusals:
        assert assert_problem(response, 422, "unsupported_currency")["field"] == "currency"
    assert (
        client.get(f"{API}/store/orders/{order['id']}", headers=store.headers).json()[
            "payment_status"
        ]
        == "pending"
    )


@pytest.mark.parametrize("currency", ["usd", "JPY", "KWD"])
def test_an_order_in_another_currency_than_the_stores_is_refused(
    client: TestClient[Any], store: StoreKey, currency: str
) -> None:
    response = client.post(
        f"{API}/store/orders",
        json={
            "reference": "A-1",
            "customer_email": "ana@shopper.example",
            "amount": 1000,
            "currency": currency,
        },
        headers=store.headers,
    )
    problem = assert_problem(response, 422, "store_currency_mismatch")
    assert problem["field"] == "currency"
    assert "EUR" in problem["detail"]
    listed = client.get(f"{API}/store/orders/ord_nothing", headers=store.headers)
    assert listed.status_code == 404


def test_a_preview_in_another_currency_than_the_stores_is_refused(
    client: TestClient[Any], store: StoreKey
) -> None:
    response = client.get(
        f"{API}/platform/stores/{store.id}/payments/fee-preview",
        params={"amount": 1000, "currency": "JPY"},
    )
    assert_problem(response, 422, "store_currency_mismatch")


def _order_from_before(client: TestClient[Any], service: Service, store: StoreKey) -> str:
    """An order in USD kept from before orders had to be in the store's currency."""
    order = Order.register(
        order_id="ord_from_before_in_usd",
        store_id=store.id,
        reference="OLD-1",
        customer_email="ana@shopper.example",
        amount=Money.of(1999, "USD"),
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
    )

    async def keep() -> None:
        async with service.adapters.uow_factory()() as uow:
            await uow.orders.add(order)
            await uow.commit()

    client.blocking_portal.call(keep)
    return order.id


def test_an_order_in_another_currency_from_before_shows_its_status_and_is_refused_clearly(
    client: TestClient[Any], service: Service, store: StoreKey
) -> None:
    onboard(client, service, store)
    fees = {"percentage": "2.5", "fixed_amount": 30, "minimum_fee": 50, "maximum_fee": 500}
    assert (
        client.put(f"{API}/admin/stores/{store.id}/fee-policy", json=fees, headers=ADMIN)
    ).status_code == 200
    order_id = _order_from_before(client, service, store)

    status = client.get(f"{API}/platform/stores/{store.id}/orders/{order_id}/payment-status")
    assert status.status_code == 200, status.text
    assert (status.json()["status"], status.json()["currency"]) == ("pending", "USD")
    shown = client.get(f"{API}/store/orders/{order_id}", headers=store.headers)
    assert shown.status_code == 200

    page = client.get(f"/checkout/{store.id}/{order_id}")
    assert page.status_code == 409
    assert page.headers["content-type"].startswith("text/html")
    assert "takes payments in EUR" in page.text
    complete = client.get("/checkout/complete", params={"store": store.id, "order": order_id})
    assert complete.status_code == 200

    intent = client.post(
        f"{API}/platform/stores/{store.id}/payments/create-intent",
        json={"order_id": order_id, "amount": 1999, "customer_email": "ana@shopper.example"},
    )
    assert_problem(intent, 422, "store_currency_mismatch")


def test_a_fee_policy_is_in_the_stores_currency_and_applies_to_every_order(
    client: TestClient[Any], service: Service
) -> None:
    store = open_store(client, "Kissa", currency="JPY", country="JP")
    onboard(client, service, store)
    order = register_order(client, store, "J-1", 1000, currency="JPY")
    policy = {"percentage": "2.5", "fixed_amount": 30, "currency": "EUR"}
    assert_problem(
        client.put(f"{API}/admin/stores/{store.id}/fee-policy", json=policy, headers=ADMIN),
        400,
        "validation_error",
    )
    del policy["currency"]
    set_policy = client.put(f"{API}/admin/stores/{store.id}/fee-policy", json=policy, headers=ADMIN)
    assert set_policy.json()["currency"] == "JPY"

    status = client.get(f"{API}/platform/stores/{store.id}/orders/{order['id']}/payment-status")
    assert status.status_code == 200
    assert client.get(f"/checkout/{store.id}/{order['id']}").status_code == 200
    intent = client.post(
        f"{API}/platform/stores/{store.id}/payments/create-intent",
        json={"order_id": order["id"], "amount": 1000, "customer_email": "ana@shopper.example"},
    )
    assert intent.status_code == 200, intent.text
    assert (intent.json()["platform_fee"], intent.json()["currency"]) == (55, "JPY")
