"""Forged, tampered, stale, unsigned and replayed webhooks on both endpoints: 400, and nothing is
stored or changed (the inbox and the payments read raw from the database are as they were). An
authentic, fresh re-delivery of a handled event is acknowledged and applied once.

tests/e2e/test_webhooks.py covers the platform endpoint's refusals one by one; this runs every
refusal on both endpoints against a marketplace with a real payment waiting for its events.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e.conftest import assert_problem, service_for
from e2e.shopping import SUCCEEDS, Marketplace, signed
from litestar.testing import TestClient

from adapters.stripe_emulator import Delivery, DeliveryMode
from entrypoints.container import Service

PLATFORM_SECRET = "whsec_security_platform"
CONNECT_SECRET = "whsec_security_connect"
ENDPOINTS = {
    False: ("/webhooks/stripe", PLATFORM_SECRET),
    True: ("/webhooks/stripe/connect", CONNECT_SECRET),
}


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return service_for(
        tmp_path / "webhooks.sqlite3",
        STRIPE_WEBHOOK_SECRET=PLATFORM_SECRET,
        STRIPE_CONNECT_WEBHOOK_SECRET=CONNECT_SECRET,
    )


@dataclass
class Held:
    """A marketplace whose payment waits for events that only arrive over HTTP."""

    market: Marketplace
    payment_id: str
    deliveries: list[Delivery]

    def one(self, connect: bool) -> Delivery:
        return next(d for d in self.deliveries if d.connect is connect)


@pytest.fixture
def held(client: TestClient[Any], service: Service) -> Held:
    market = Marketplace(client, service)
    shop = market.ready_store()
    intent = market.intent_for(shop, market.order(shop))
    market.stripe.delivery_mode = DeliveryMode.HELD
    market.confirm(intent, SUCCEEDS)
    # a Connect event too: the store's account changes
    account = client.get("/api/v1/store/payments/config", headers=shop.headers).json()
    client.post(f"/simulator/accounts/{account['stripe_account_id']}/complete-onboarding")
    deliveries = list(market.stripe.waiting_deliveries)
    assert {d.connect for d in deliveries} == {False, True}
    return Held(market, intent["payment_id"], deliveries)


def database_rows(service: Service) -> dict[str, list[tuple[Any, ...]]]:
    """The inbox and the payments as stored, read raw."""
    path = service.settings().database_url.removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as connection:
        return {
            table: connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("inbox_events", "payments", "refunds", "disputes", "connected_accounts")
        }


def _body(delivery: Delivery) -> bytes:
    return (
        delivery.payload
        if isinstance(delivery.payload, bytes)
        else json.dumps(delivery.payload).encode()
    )


def _header(body: bytes, secret: str, at: datetime | None = None) -> dict[str, str]:
    return signed(body, secret, at)[1]


def _tampered(body: bytes) -> bytes:
    """The same event about another object, under the original's signature."""
    event = json.loads(body)
    event["id"] += "_forged"
    event["data"]["object"]["id"] += "_forged"
    return json.dumps(event).encode()


Forgery = Callable[[bytes, str], tuple[bytes, dict[str, str]]]

FORGERIES: dict[str, Forgery] = {
    "a wrong secret": lambda body, _secret: (body, _header(body, "whsec_attacker")),
    "the other endpoint's secret": lambda body, secret: (
        body,
        _header(body, PLATFORM_SECRET if secret == CONNECT_SECRET else CONNECT_SECRET),
    ),
    "a tampered body": lambda body, secret: (_tampered(body), _header(body, secret)),
    "a stale timestamp": lambda body, secret: (
        body,
        _header(body, secret, datetime.now(UTC) - timedelta(seconds=301)),
    ),
    "a replay of an old authentic delivery": lambda body, secret: (
        body,
        _header(body, secret, datetime.now(UTC) - timedelta(hours=2)),
    ),
    "a timestamp from the future": lambda body, secret: (
        body,
        _header(body, secret, datetime.now(UTC) + timedelta(hours=1)),
    ),
    "a timestamp just beyond the tolerance ahead": lambda body, secret: (
        body,
        _header(body, secret, datetime.now(UTC) + timedelta(seconds=310)),
    ),
    "no header": lambda body, _secret: (body, {"Content-Type": "application/json"}),
    "an empty header": lambda body, _secret: (body, {"Stripe-Signature": ""}),
    "a header without a signature": lambda body, _secret: (
        body,
        {"Stripe-Signature": f"t={int(datetime.now(UTC).timestamp())}"},
    ),
    "a header without a timestamp": lambda body, secret: (
        body,
        {"Stripe-Signature": _header(body, secret)["Stripe-Signature"].split(",", 1)[1]},
    ),
    "a garbled header": lambda body, _secret: (body, {"Stripe-Signature": "t=,v1=,,==;"}),
    "a v0 signature only": lambda body, secret: (
        body,
        {"Stripe-Signature": _header(body, secret)["Stripe-Signature"].replace("v1=", "v0=")},
    ),
}


@pytest.mark.parametrize("connect", [False, True], ids=["platform", "connect"])
@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_a_forged_delivery_is_refused_and_nothing_is_stored(
    client: TestClient[Any], service: Service, held: Held, connect: bool, forgery: str
) -> None:
    path, secret = ENDPOINTS[connect]
    before = database_rows(service)
    body, headers = FORGERIES[forgery](_body(held.one(connect)), secret)

    response = client.post(path, content=body, headers=headers)

    problem = assert_problem(response, 400, "invalid_event")
    assert secret not in json.dumps(problem)
    assert database_rows(service) == before


@pytest.mark.parametrize("connect", [False, True], ids=["platform", "connect"])
def test_an_authentic_fresh_redelivery_is_acknowledged_and_applied_once(
    client: TestClient[Any], service: Service, held: Held, connect: bool
) -> None:
    path, secret = ENDPOINTS[connect]
    delivery = held.one(connect)
    body = _body(delivery)

    first = client.post(path, content=body, headers=_header(body, secret))
    assert first.status_code == 200, first.text
    after_first = database_rows(service)
    again = client.post(path, content=body, headers=_header(body, secret))

    assert again.status_code == 200, again.text
    assert again.json() == {"received": True}
    assert database_rows(service) == after_first
    kept = held.market.inbox_event(delivery.event_id)
    assert kept is not None
    assert kept.attempts == 1


@pytest.mark.parametrize("connect", [False, True], ids=["platform", "connect"])
def test_a_clock_a_little_ahead_is_within_the_tolerance(
    client: TestClient[Any], held: Held, connect: bool
) -> None:
    path, secret = ENDPOINTS[connect]
    body = _body(held.one(connect))
    ahead = datetime.now(UTC) + timedelta(seconds=240)
    response = client.post(path, content=body, headers=_header(body, secret, ahead))
    assert response.status_code == 200, response.text
