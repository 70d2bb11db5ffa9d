"""A hostile network on demand: with ``STOREPAY_SIMULATED_DELIVERY=hostile`` the Stripe emulator
delivers its events late, shuffled and partly twice, in the background, and storepay still ends
where timely deliveries would have left it."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from adapters.sqlalchemy.migrations import upgrade
from adapters.stripe_emulator import DeliveryMode, HostileNetwork, StripeEmulator
from adapters.stripe_emulator.requests import Params
from entrypoints.container import build_service
from entrypoints.http.app import create_app
from entrypoints.settings import (
    DeliveryKind,
    SettingsError,
    SimulatedDelivery,
    load_settings,
)

ADMIN_TOKEN = "spa_hostile_admin_token_0123456789"
API = "/api/v1"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Endpoint:
    """A webhook endpoint that refuses every delivery of the types in ``refuse_once`` once."""

    def __init__(self, refuse_once: frozenset[str] = frozenset()) -> None:
        self.received: list[str] = []
        self._refuse = set(refuse_once)

    async def __call__(self, payload: bytes, _signature: str, _connect: bool) -> None:
        event = json.loads(payload)
        if event["type"] in self._refuse:
            self._refuse.discard(event["type"])
            raise ConnectionResetError("the endpoint dropped the connection")
        self.received.append(event["id"])


async def _payments(emulator: StripeEmulator, count: int) -> None:
    account = await emulator.create_account(Params({"country": "LU"}))
    await emulator.complete_onboarding(account["id"])
    for _ in range(count):
        intent = await emulator.create_payment_intent(
            Params(
                {
                    "amount": "1999",
                    "currency": "eur",
                    "transfer_data": {"destination": account["id"]},
                }
            )
        )
        await emulator.confirm(intent["id"], intent["client_secret"], "4242424242424242")


@pytest.mark.anyio
async def test_events_arrive_late_shuffled_and_some_twice_yet_every_one_arrives() -> None:
    endpoint = Endpoint(refuse_once=frozenset({"charge.succeeded"}))
    emulator = StripeEmulator(
        webhook_secret="whsec_hostile",
        deliver=endpoint,
        delivery_mode=DeliveryMode.HOSTILE,
        redelivery=(0.01, 0.01),
        hostile=HostileNetwork(max_delay=0.02, duplicates=0.5, rng=random.Random(7)),
    )
    try:
        await _payments(emulator, 12)
        assert len(endpoint.received) < len(emulator.sent_events)  # the calls did not wait

        deadline = time.monotonic() + 10
        while emulator.waiting_deliveries and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
    finally:
        await emulator.aclose()

    sent = [event["id"] for event in emulator.sent_events]
    assert set(endpoint.received) == set(sent)  # the refused one too, sent again
    copies = Counter(endpoint.received)
    assert any(count > 1 for count in copies.values())  # some twice
    firsts = list(dict.fromkeys(endpoint.received))
    assert firsts != sent  # out of order
    assert [failed.type for failed in emulator.failed_deliveries] == ["charge.succeeded"]


def test_hostile_delivery_is_read_from_the_environment_and_refused_where_it_cannot_be() -> None:
    chosen = load_settings(
        {
            "STOREPAY_SIMULATED_DELIVERY": "HOSTILE",
            "STOREPAY_SIMULATED_DELIVERY_DELAY_MS": "250",
            "STOREPAY_SIMULATED_DELIVERY_DUPLICATES": "40",
            "STOREPAY_SIMULATED_DELIVERY_SHUFFLE": "false",
        }
    )
    assert chosen.simulated_delivery == SimulatedDelivery(DeliveryKind.HOSTILE, 250, 40, False)
    assert load_settings({}).simulated_delivery == SimulatedDelivery()
    emulator = build_service(chosen).adapters.stripe_emulator()
    assert emulator is not None
    assert emulator.delivery_mode is DeliveryMode.HOSTILE

    refused = {
        "STOREPAY_SIMULATED_DELIVERY": "slow",
        "STOREPAY_SIMULATED_DELIVERY_DUPLICATES": "101",
        "STOREPAY_SIMULATED_DELIVERY_DELAY_MS": "0.5",
        "STOREPAY_SIMULATED_DELIVERY_SHUFFLE": "yes",
    }
    for name, value in refused.items():
        with pytest.raises(SettingsError, match=name):
            load_settings({name: value})
    with pytest.raises(SettingsError, match="needs STOREPAY_GATEWAY=simulated"):
        load_settings(
            {
                "STOREPAY_GATEWAY": "stripe",
                "STRIPE_SECRET_KEY": "sk_test_hostile",
                "STRIPE_WEBHOOK_SECRET": "whsec_hostile",
                "STOREPAY_SIMULATED_DELIVERY": "hostile",
            }
        )


def test_a_payment_confirmed_on_a_hostile_network_is_paid_once_its_events_arrive(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'storepay.sqlite3'}"
    asyncio.run(upgrade(url))
    service = build_service(
        load_settings(
            {
                "STOREPAY_DATABASE_URL": url,
                "STOREPAY_ADMIN_TOKEN": ADMIN_TOKEN,
                "STOREPAY_RECONCILE_INTERVAL_SECONDS": "0",
                "STOREPAY_SIMULATED_DELIVERY": "hostile",
                "STOREPAY_SIMULATED_DELIVERY_DELAY_MS": "100",
                "STOREPAY_SIMULATED_DELIVERY_DUPLICATES": "100",
            }
        )
    )
    with TestClient(create_app(service)) as client:
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        store = client.post(
            f"{API}/admin/stores", json={"name": "Ana", "business_email": "a@b.lu"}, headers=admin
        ).json()
        key = {"Authorization": f"Bearer {store['api_key']}"}
        account = client.post(f"{API}/store/payments/setup", json={}, headers=key).json()
        client.post(f"/simulator/accounts/{account['stripe_account_id']}/complete-onboarding")
        _eventually(lambda: _config(client, key)["accepts_payments"])
        order = client.post(
            f"{API}/store/orders",
            json={
                "reference": "A-1",
                "customer_email": "s@x.lu",
                "amount": 1999,
                "currency": "EUR",
            },
            headers=key,
        ).json()
        intent = client.post(
            f"{API}/platform/stores/{store['id']}/payments/create-intent",
            json={"order_id": order["id"], "amount": 1999, "customer_email": "s@x.lu"},
        ).json()

        confirmed = client.post(
            f"/simulator/payment_intents/{intent['payment_intent_id']}/confirm",
            json={"client_secret": intent["client_secret"], "card_number": "4242424242424242"},
        )

        assert confirmed.json()["status"] == "succeeded"  # Stripe's answer, not yet storepay's
        paid = _eventually(
            lambda: (
                client.get(f"{API}/store/orders/{order['id']}", headers=key).json()[
                    "payment_status"
                ]
                == "paid"
            )
        )
        assert paid
        emulator = service.adapters.stripe_emulator()
        assert emulator is not None

        def every_event_twice() -> bool:
            sent = {event["id"]: 2 for event in emulator.sent_events}
            return Counter(delivery.event_id for delivery in emulator.deliveries) == sent

        assert _eventually(every_event_twice)  # and the duplicates changed nothing:
        assert (
            client.get(f"{API}/store/payments/{intent['payment_id']}", headers=key).json()["status"]
            == "succeeded"
        )


def _config(client: TestClient[Any], key: dict[str, str]) -> Any:
    return client.get(f"{API}/store/payments/config", headers=key).json()


def _eventually(check: Any, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.05)
    return True
