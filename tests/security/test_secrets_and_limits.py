"""Secrets stay secret: API keys are stored only as hashes, and a whole marketplace story leaves
no key, token, webhook secret, card number or full e-mail address in the logs. Bodies over the
limit are refused with problem documents (64 KiB on the API, 1 MiB on the webhooks)."""

from __future__ import annotations

import io
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.conftest import ADMIN, ADMIN_TOKEN, API, assert_problem, service_for
from e2e.shopping import SUCCEEDS, Marketplace, signed
from litestar.testing import TestClient
from log_capture import captured_log

from adapters.stripe_emulator import DeliveryMode
from entrypoints.container import Service

WEBHOOK_SECRET = "whsec_never_logged_0123456789"
SHOPPER = "ana.maria.secret@example.com"


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return service_for(tmp_path / "secrets.sqlite3", STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)


def raw_rows(service: Service, table: str) -> list[tuple[Any, ...]]:
    path = service.settings().database_url.removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as connection:
        return connection.execute(f"SELECT * FROM {table}").fetchall()


def test_api_keys_are_stored_only_as_hashes(client: TestClient[Any], service: Service) -> None:
    market = Marketplace(client, service)
    first = market.ready_store()
    rotated = client.post(f"{API}/admin/stores/{first.id}/api-keys", headers=ADMIN)
    assert rotated.status_code == 201, rotated.text
    keys = [first.api_key, rotated.json()["api_key"]]

    stored = repr(raw_rows(service, "stores")) + repr(raw_rows(service, "idempotency_records"))
    for key in keys:
        assert key not in stored
        assert key.split("_", 1)[1] not in stored  # nor its secret part
    [row] = raw_rows(service, "stores")
    assert any(isinstance(v, str) and len(v) == 64 for v in row)


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    with captured_log(logging.DEBUG) as stream:
        yield stream


def test_a_whole_story_leaves_no_secret_in_the_logs(
    client: TestClient[Any], service: Service, log_lines: io.StringIO
) -> None:
    market = Marketplace(client, service)
    shop = market.ready_store()
    order_id = market.order(shop, customer_email=SHOPPER)
    intent = market.intent_for(shop, order_id, customer_email=SHOPPER, save_payment_method=True)
    market.stripe.delivery_mode = DeliveryMode.HELD
    market.confirm(intent, SUCCEEDS)
    for delivery in market.stripe.waiting_deliveries:
        path = "/webhooks/stripe/connect" if delivery.connect else "/webhooks/stripe"
        body, headers = signed(delivery.payload, WEBHOOK_SECRET)
        assert client.post(path, content=body, headers=headers).status_code == 200
    forged, _ = signed(b'{"id": "evt_x"}', WEBHOOK_SECRET)
    client.post("/webhooks/stripe", content=forged, headers={"Stripe-Signature": "t=1,v1=00"})
    client.post(
        f"{API}/store/payments/{intent['payment_id']}/refunds",
        json={"amount": 500},
        headers=shop.headers,
    )
    client.get(f"{API}/store/customers/{SHOPPER}/payment-methods", headers=shop.headers)
    client.get(f"{API}/store/payments", headers={"Authorization": "Bearer spk_wrong_key_123"})
    rotated = client.post(f"{API}/admin/stores/{shop.id}/api-keys", headers=ADMIN).json()
    market.run(service.use_cases().reconcile)

    written = log_lines.getvalue()
    assert "storepay.access" in written  # the capture did capture
    for secret in (
        ADMIN_TOKEN,
        shop.api_key,
        rotated["api_key"],
        "spk_wrong_key_123",
        intent["client_secret"],
        WEBHOOK_SECRET,
        SUCCEEDS,
        "ana.maria.secret@",
        "ana.maria.secret%40",
    ):
        assert secret not in written, secret


# -- body limits ---------------------------------------------------------------------------

TOO_BIG_FOR_THE_API = 64 * 1024 + 1


@pytest.mark.parametrize(
    "path",
    [
        "/admin/stores",
        "/store/orders",
        "/platform/stores/store_x/payments/create-intent",
    ],
)
def test_an_api_body_over_64_kib_is_refused(
    client: TestClient[Any], service: Service, path: str
) -> None:
    market = Marketplace(client, service)
    shop = market.ready_store()
    headers = ADMIN if path.startswith("/admin") else shop.headers
    body = b'{"name": "' + b"x" * TOO_BIG_FOR_THE_API + b'"}'
    response = client.post(
        f"{API}{path}", content=body, headers={**headers, "Content-Type": "application/json"}
    )
    assert_problem(response, 413, "request_too_large")


def test_a_webhook_body_over_1_mib_is_refused_and_under_it_is_read(
    client: TestClient[Any],
) -> None:
    big = b'{"pad": "' + b"x" * (1024 * 1024) + b'"}'
    body, headers = signed(big, WEBHOOK_SECRET)
    for path in ("/webhooks/stripe", "/webhooks/stripe/connect"):
        assert_problem(client.post(path, content=body, headers=headers), 413, "request_too_large")
    under = b'{"pad": "' + b"x" * (512 * 1024) + b'"}'
    body, headers = signed(under, WEBHOOK_SECRET)
    # read (and refused as not an event), not refused for its size
    assert_problem(
        client.post("/webhooks/stripe", content=body, headers=headers), 400, "invalid_event"
    )
