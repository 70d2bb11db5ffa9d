"""Simulated mode keeps Stripe's promise and storepay's: a confirm that answered has had its
events applied, whatever else is being delivered at the time, and an event whose delivery failed
is delivered again later, without anyone asking."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e.conftest import API, StoreKey, open_store, service_for
from e2e.store_support import SUCCEEDS, onboard, stripe
from litestar.testing import AsyncTestClient, TestClient

from entrypoints.container import Service
from entrypoints.http.app import create_app

pytestmark = pytest.mark.anyio

STORM = 60


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _order_and_intent(client: AsyncTestClient[Any], store: StoreKey, n: int) -> Any:
    order = await client.post(
        f"{API}/store/orders",
        json={
            "reference": f"S-{n}",
            "customer_email": f"shopper{n}@example.lu",
            "amount": 1999,
            "currency": "EUR",
        },
        headers=store.headers,
    )
    assert order.status_code == 201, order.text
    intent = await client.post(
        f"{API}/platform/stores/{store.id}/payments/create-intent",
        json={
            "order_id": order.json()["id"],
            "amount": 1999,
            "customer_email": f"shopper{n}@example.lu",
        },
    )
    assert intent.status_code == 200, intent.text
    return order.json()["id"], intent.json()


async def _ready_store(client: AsyncTestClient[Any], service: Service) -> StoreKey:
    created = await client.post(
        f"{API}/admin/stores",
        json={"name": "Storm", "business_email": "owner@storm.example"},
        headers={"Authorization": "Bearer spa_test_admin_token_0123456789"},
    )
    assert created.status_code == 201, created.text
    store = StoreKey(id=created.json()["id"], api_key=created.json()["api_key"])
    setup = await client.post(f"{API}/store/payments/setup", headers=store.headers)
    assert setup.status_code == 200, setup.text
    await stripe(service).complete_onboarding(setup.json()["stripe_account_id"])
    return store


@pytest.fixture
def storm_service(tmp_path: Path) -> Service:
    return service_for(tmp_path / "storm.sqlite3")


async def test_every_confirm_that_answered_succeeded_finds_its_order_paid(
    storm_service: Service,
) -> None:
    service = storm_service
    app = create_app(service)
    # Litestar's test client sends one request at a time: the storm goes through httpx's ASGI
    # transport, with the app's lifespan run by the test client around it.
    async with (
        AsyncTestClient(app) as setup,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        store = await _ready_store(setup, service)
        checkouts = [await _order_and_intent(setup, store, n) for n in range(STORM)]

        async def confirm_then_look(order_id: str, intent: dict[str, Any]) -> tuple[str, str]:
            confirmed = await client.post(
                f"/simulator/payment_intents/{intent['payment_intent_id']}/confirm",
                json={"client_secret": intent["client_secret"], "card_number": SUCCEEDS},
            )
            assert confirmed.status_code == 200, confirmed.text
            # Right after the answer, before any other request of this shopper.
            order = await client.get(f"{API}/store/orders/{order_id}", headers=store.headers)
            return confirmed.json()["status"], order.json()["payment_status"]

        answers = await asyncio.gather(
            *(confirm_then_look(order_id, intent) for order_id, intent in checkouts)
        )

    succeeded = [paid for status, paid in answers if status == "succeeded"]
    assert len(succeeded) == STORM
    assert succeeded.count("paid") == STORM, f"{succeeded.count('pending')} still pending"


class _DownOnce:
    """A webhook endpoint that is down when the payment's success is first sent."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.refused = 0

    async def __call__(self, payload: bytes, signature: str, connect: bool) -> None:
        if self.refused == 0 and b'"payment_intent.succeeded"' in payload:
            self.refused += 1
            raise ConnectionError("the endpoint did not answer")
        await self.service.use_cases().handle_gateway_event(payload, signature, connect=connect)


def test_a_delivery_that_failed_is_applied_later_without_anyone_asking(tmp_path: Path) -> None:
    service = service_for(tmp_path / "redelivery.sqlite3")
    with TestClient(create_app(service)) as client:
        store = open_store(client)
        onboard(client, service, store)
        endpoint = _DownOnce(service)
        stripe(service).connect_delivery(endpoint)
        order = client.post(
            f"{API}/store/orders",
            json={
                "reference": "R-1",
                "customer_email": "ana@example.lu",
                "amount": 1999,
                "currency": "EUR",
            },
            headers=store.headers,
        ).json()
        intent = client.post(
            f"{API}/platform/stores/{store.id}/payments/create-intent",
            json={"order_id": order["id"], "amount": 1999, "customer_email": "ana@example.lu"},
        ).json()
        confirmed = client.post(
            f"/simulator/payment_intents/{intent['payment_intent_id']}/confirm",
            json={"client_secret": intent["client_secret"], "card_number": SUCCEEDS},
        )
        assert confirmed.json()["status"] == "succeeded"
        assert endpoint.refused == 1

        def payment_status() -> str:
            seen = client.get(f"{API}/store/orders/{order['id']}", headers=store.headers)
            return str(seen.json()["payment_status"])

        assert payment_status() == "pending"  # the success has not arrived yet
        status = "pending"
        for _ in range(100):
            client.blocking_portal.call(asyncio.sleep, 0.05)
            status = payment_status()
            if status == "paid":
                break
        assert status == "paid"
        assert stripe(service).waiting_deliveries == []
