"""Stripe's webhooks over HTTP: authentic events answered 200 and applied once; anything else 400
with nothing stored; a database that fails 503, so Stripe sends the event again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy.exc import OperationalError

from adapters.stripe_emulator import DeliveryMode
from entrypoints.container import Service
from entrypoints.http.app import create_app

from .conftest import API, assert_problem, service_for
from .shopping import SUCCEEDS, Marketplace, signed

PLATFORM_SECRET = "whsec_e2e_platform_secret"
CONNECT_SECRET = "whsec_e2e_connect_secret"


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return service_for(
        tmp_path / "webhooks.sqlite3",
        STRIPE_WEBHOOK_SECRET=PLATFORM_SECRET,
        STRIPE_CONNECT_WEBHOOK_SECRET=CONNECT_SECRET,
    )


@pytest.fixture
def market(client: TestClient[Any], service: Service) -> Marketplace:
    return Marketplace(client, service)


def event(event_id: str = "evt_e2e_1", event_type: str = "customer.created") -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(datetime.now(UTC).timestamp()),
        "data": {"object": {"id": "cus_e2e", "object": "customer"}},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def test_an_event_of_a_type_storepay_ignores_is_acknowledged_and_kept(
    client: TestClient[Any], market: Marketplace
) -> None:
    body, headers = signed(event("evt_ignored"), PLATFORM_SECRET)
    response = client.post("/webhooks/stripe", content=body, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"received": True}
    kept = market.inbox_event("evt_ignored")
    assert kept is not None
    assert kept.type == "customer.created"
    assert kept.status.value == "ignored"


def test_events_delivered_over_http_move_the_payment_and_a_duplicate_changes_nothing(
    client: TestClient[Any], market: Marketplace
) -> None:
    shop = market.ready_store()
    order_id = market.order(shop)
    intent = market.intent_for(shop, order_id)
    market.stripe.delivery_mode = DeliveryMode.HELD  # Stripe's events now come over HTTP only
    market.confirm(intent, SUCCEEDS)
    assert market.payment(shop, intent["payment_id"])["status"] == "pending"

    deliveries = market.stripe.waiting_deliveries
    assert "payment_intent.succeeded" in [delivery.type for delivery in deliveries]
    for delivery in [*deliveries, *deliveries]:  # every event twice, as Stripe may send it
        secret = CONNECT_SECRET if delivery.connect else PLATFORM_SECRET
        path = "/webhooks/stripe/connect" if delivery.connect else "/webhooks/stripe"
        body, headers = signed(delivery.payload, secret)
        response = client.post(path, content=body, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json() == {"received": True}

    assert market.payment(shop, intent["payment_id"])["status"] == "succeeded"
    assert market.order_state(shop, order_id)["payment_status"] == "paid"
    succeeded = next(d for d in deliveries if d.type == "payment_intent.succeeded")
    kept = market.inbox_event(succeeded.event_id)
    assert kept is not None
    assert kept.status.value == "processed"
    assert kept.attempts == 1  # applied once, although received twice


def test_a_connect_event_is_verified_with_the_connect_secret(
    client: TestClient[Any], market: Marketplace
) -> None:
    connect_event = {**event("evt_connect"), "account": "acct_e2e"}
    body, headers = signed(connect_event, CONNECT_SECRET)
    assert client.post("/webhooks/stripe/connect", content=body, headers=headers).json() == {
        "received": True
    }
    body, headers = signed({**connect_event, "id": "evt_connect_2"}, PLATFORM_SECRET)
    response = client.post("/webhooks/stripe/connect", content=body, headers=headers)
    assert_problem(response, 400, "invalid_event")
    assert market.inbox_event("evt_connect_2") is None
    body, headers = signed({**connect_event, "id": "evt_connect_3"}, CONNECT_SECRET)
    response = client.post("/webhooks/stripe", content=body, headers=headers)
    assert_problem(response, 400, "invalid_event")
    assert market.inbox_event("evt_connect_3") is None


def _refused(client: TestClient[Any], body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    problem = assert_problem(
        client.post("/webhooks/stripe", content=body, headers=headers), 400, "invalid_event"
    )
    assert PLATFORM_SECRET not in str(problem)
    return problem


def test_a_forged_signature_is_refused_and_nothing_is_stored(
    client: TestClient[Any], market: Marketplace
) -> None:
    body, headers = signed(event("evt_forged"), "whsec_someone_else")
    _refused(client, body, headers)
    assert market.inbox_event("evt_forged") is None


def test_a_body_changed_after_signing_is_refused(
    client: TestClient[Any], market: Marketplace
) -> None:
    body, headers = signed(event("evt_changed"), PLATFORM_SECRET)
    _refused(client, body.replace(b"customer.created", b"customer.deleted"), headers)
    assert market.inbox_event("evt_changed") is None


def test_a_missing_or_garbled_signature_is_refused(
    client: TestClient[Any], market: Marketplace
) -> None:
    body, _ = signed(event("evt_unsigned"), PLATFORM_SECRET)
    _refused(client, body, {"Content-Type": "application/json"})
    _refused(client, body, {"Stripe-Signature": "nonsense"})
    _refused(client, body, {"Stripe-Signature": "t=abc,v1=00"})
    assert market.inbox_event("evt_unsigned") is None


def test_a_stale_signature_is_refused(client: TestClient[Any], market: Marketplace) -> None:
    old = datetime.now(UTC) - timedelta(seconds=301)
    body, headers = signed(event("evt_stale"), PLATFORM_SECRET, at=old)
    problem = _refused(client, body, headers)
    assert "tolerance" in problem["detail"]
    assert market.inbox_event("evt_stale") is None
    recent = datetime.now(UTC) - timedelta(seconds=240)
    body, headers = signed(event("evt_recent"), PLATFORM_SECRET, at=recent)
    assert client.post("/webhooks/stripe", content=body, headers=headers).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json at all",
        b"[1, 2, 3]",
        b'{"id": "evt_no_type", "object": "event"}',
        b'{"object": "customer", "id": "cus_1"}',
        '{"id": "evt_\u00e9", "type": 5}'.encode(),
    ],
)
def test_an_authentic_body_that_is_not_an_event_is_refused(
    client: TestClient[Any], body: bytes
) -> None:
    payload, headers = signed(body, PLATFORM_SECRET)
    _refused(client, payload, headers)


def test_the_raw_body_is_verified_byte_for_byte(client: TestClient[Any]) -> None:
    """Whitespace and key order are the signer's: the body is never re-encoded before checking."""
    body = b'{ "type" : "customer.created",\n  "id":"evt_spaced", "object":"event",'
    body += b' "created": 1, "livemode": false, "data": {"object": {"id": "cus_1"}} }'
    payload, headers = signed(body, PLATFORM_SECRET)
    response = client.post("/webhooks/stripe", content=payload, headers=headers)
    assert response.status_code == 200, response.text


def test_a_large_event_is_still_received(client: TestClient[Any]) -> None:
    big = event("evt_big")
    big["data"]["object"]["metadata"] = {f"k{i}": "v" * 400 for i in range(300)}  # ~130 KB
    body, headers = signed(big, PLATFORM_SECRET)
    assert len(body) > 64 * 1024
    assert client.post("/webhooks/stripe", content=body, headers=headers).status_code == 200


# -- the database fails ----------------------------------------------------------------------


class UnreachableDatabase:
    """Units of work (and the token uses kept beside them) that fail as a database that went
    away fails."""

    def __call__(self) -> UnreachableDatabase:
        return self

    @property
    def token_uses(self) -> UnreachableDatabase:
        return self

    async def use(self, _token_id: str, *, now: datetime, keep_until: datetime) -> bool:
        raise OperationalError("BEGIN", {}, ConnectionRefusedError("connection refused"))

    async def __aenter__(self) -> UnreachableDatabase:
        raise OperationalError("BEGIN", {}, ConnectionRefusedError("connection refused"))

    async def __aexit__(
        self,
        _kind: type[BaseException] | None,
        _error: BaseException | None,
        _trace: TracebackType | None,
    ) -> None:
        return None


@pytest.fixture
def down_client(tmp_path: Path) -> Iterator[TestClient[Any]]:
    service = service_for(tmp_path / "down.sqlite3", STRIPE_WEBHOOK_SECRET=PLATFORM_SECRET)
    with (
        service.adapters.uow_factory.override(UnreachableDatabase()),
        TestClient(create_app(service)) as test_client,
    ):
        yield test_client


def test_an_event_that_cannot_be_stored_is_answered_503_so_stripe_retries(
    down_client: TestClient[Any],
) -> None:
    body, headers = signed(event("evt_while_down"), PLATFORM_SECRET)
    response = down_client.post("/webhooks/stripe", content=body, headers=headers)
    problem = assert_problem(response, 503, "service_unavailable")
    assert response.headers["retry-after"]
    assert "BEGIN" not in str(problem)
    assert "refused" not in str(problem)


def test_a_forged_event_is_still_400_while_the_database_is_down(
    down_client: TestClient[Any],
) -> None:
    body, headers = signed(event("evt_forged_while_down"), "whsec_someone_else")
    assert_problem(
        down_client.post("/webhooks/stripe", content=body, headers=headers), 400, "invalid_event"
    )


def test_an_event_refused_for_a_down_database_is_applied_when_sent_again(
    tmp_path: Path,
) -> None:
    service = service_for(tmp_path / "again.sqlite3", STRIPE_WEBHOOK_SECRET=PLATFORM_SECRET)
    body, headers = signed(event("evt_retried"), PLATFORM_SECRET)
    with (
        service.adapters.uow_factory.override(UnreachableDatabase()),
        TestClient(create_app(service)) as down,
    ):
        assert down.post("/webhooks/stripe", content=body, headers=headers).status_code == 503
    service.ports.reset()  # the ports were built on the failing database; build them afresh
    service.use_cases.reset()
    with TestClient(create_app(service)) as up:
        response = up.post("/webhooks/stripe", content=body, headers=headers)
        assert response.status_code == 200
        kept = Marketplace(up, service).inbox_event("evt_retried")
        assert kept is not None
        assert kept.status.value == "ignored"


def test_webhooks_are_not_under_the_api_prefix(client: TestClient[Any]) -> None:
    assert client.post(f"{API}/webhooks/stripe", content=b"{}").status_code in (404, 405)
