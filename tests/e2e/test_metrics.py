"""storepay's own metrics on ``/metrics``, read over HTTP: webhook deliveries by type and outcome,
how late events are handled, failed events, payments by status (counted at scrape time) and
reconciliation passes. Each service counts in its own registry: tests never see one another's.
Scrapes send the admin token (``tests/security/test_metrics_access.py`` covers who may scrape);
the counts are read afresh on each scrape here (``STOREPAY_METRICS_CACHE_SECONDS=0``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from adapters.stripe_emulator import DeliveryMode
from entrypoints.container import Service
from entrypoints.http.app import create_app

from .conftest import ADMIN, service_for
from .shopping import DECLINED, SUCCEEDS, Marketplace, signed
from .test_webhooks import PLATFORM_SECRET, UnreachableDatabase, event


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return service_for(
        tmp_path / "metrics.sqlite3",
        STRIPE_WEBHOOK_SECRET=PLATFORM_SECRET,
        STOREPAY_METRICS_CACHE_SECONDS="0",
    )


@pytest.fixture
def market(client: TestClient[Any], service: Service) -> Marketplace:
    return Marketplace(client, service)


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient[Any]) -> Samples:
    response = client.get("/metrics", headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def deliver(client: TestClient[Any], body: bytes, headers: dict[str, str]) -> int:
    return client.post("/webhooks/stripe", content=body, headers=headers).status_code


def test_a_fresh_service_shows_every_payment_status_at_zero_and_its_own_request_metrics(
    client: TestClient[Any],
) -> None:
    samples = scrape(client)
    for status in ("pending", "succeeded", "failed", "refunded", "disputed"):
        assert value(samples, "storepay_payments", status=status) == 0
    assert value(samples, "storepay_inbox_failed_events") == 0
    assert value(samples, "storepay_webhook_lag_seconds_count") == 0
    assert not [key for key in samples if key[0] == "storepay_webhook_events_total"]
    assert any(name.startswith("storepay_requests") for name, _ in samples)


def test_webhook_deliveries_are_counted_by_type_and_outcome(client: TestClient[Any]) -> None:
    detached = event("evt_m1", "payment_method.detached")
    detached["data"] = {"object": {"id": "pm_m1", "object": "payment_method"}}
    body, headers = signed(detached, PLATFORM_SECRET)
    assert deliver(client, body, headers) == 200
    assert deliver(client, body, headers) == 200  # again: a duplicate
    ignored, ignored_headers = signed(event("evt_m3"), PLATFORM_SECRET)
    assert deliver(client, ignored, ignored_headers) == 200
    forged, forged_headers = signed(event("evt_m2", "charge.refunded"), "whsec_someone_else")
    assert deliver(client, forged, forged_headers) == 400
    assert deliver(client, body, {"Stripe-Signature": "t=1,v1=00"}) == 400

    samples = scrape(client)
    events = "storepay_webhook_events_total"
    assert value(samples, events, type="payment_method.detached", outcome="duplicate") == 1
    # a type storepay does not act on is "other": a label never holds any text a sender chose
    assert value(samples, events, type="other", outcome="ignored") == 1
    assert value(samples, events, type="customer.created", outcome="ignored") is None
    # a refused body's type is never believed, so never a label
    assert value(samples, events, type="unverified", outcome="rejected") == 2
    assert value(samples, events, type="charge.refunded", outcome="rejected") is None


def test_the_lag_of_an_event_is_from_its_creation_to_its_handling(
    client: TestClient[Any],
) -> None:
    late = event("evt_late")
    late["created"] = int((datetime.now(UTC) - timedelta(seconds=90)).timestamp())
    assert deliver(client, *signed(late, PLATFORM_SECRET)) == 200
    assert deliver(client, *signed(late, PLATFORM_SECRET)) == 200  # a duplicate: not handled

    samples = scrape(client)
    lag = "storepay_webhook_lag_seconds"
    assert value(samples, f"{lag}_count") == 1
    assert 90 <= (value(samples, f"{lag}_sum") or 0) < 150
    assert value(samples, f"{lag}_bucket", le="60.0") == 0
    assert value(samples, f"{lag}_bucket", le="300.0") == 1


def test_payments_are_counted_by_status_when_scraped(
    client: TestClient[Any], market: Marketplace
) -> None:
    shop = market.ready_store()
    market.confirm(market.intent_for(shop, market.order(shop)), SUCCEEDS)
    market.confirm(market.intent_for(shop, market.order(shop)), DECLINED)
    market.intent_for(shop, market.order(shop))

    samples = scrape(client)
    assert value(samples, "storepay_payments", status="succeeded") == 1
    assert value(samples, "storepay_payments", status="failed") == 1
    assert value(samples, "storepay_payments", status="pending") == 1
    assert value(samples, "storepay_payments", status="refunded") == 0
    # the simulator's events came through the webhook handling too
    events = "storepay_webhook_events_total"
    assert (value(samples, events, type="payment_intent.succeeded", outcome="applied") or 0) >= 1


def _for_an_unknown_intent(client: TestClient[Any], market: Marketplace) -> dict[str, Any]:
    """An authentic ``payment_intent.succeeded`` about an intent storepay has no payment for."""
    shop = market.ready_store()
    market.stripe.delivery_mode = DeliveryMode.HELD
    market.confirm(market.intent_for(shop, market.order(shop)), SUCCEEDS)
    held = next(d for d in market.stripe.waiting_deliveries if d.type == "payment_intent.succeeded")
    payload: dict[str, Any] = json.loads(held.payload)
    payload["connect"] = held.connect
    payload["id"] = "evt_for_nobody"
    payload["data"]["object"]["id"] = "pi_nobody"
    return payload


def test_a_failed_event_is_counted_shown_failed_and_retried_by_reconciliation(
    client: TestClient[Any], market: Marketplace, service: Service
) -> None:
    orphan = _for_an_unknown_intent(client, market)
    path = "/webhooks/stripe/connect" if orphan.pop("connect") else "/webhooks/stripe"
    body, headers = signed(orphan, PLATFORM_SECRET)
    assert client.post(path, content=body, headers=headers).status_code == 409

    samples = scrape(client)
    failed = ("storepay_webhook_events_total", "payment_intent.succeeded", "failed")
    assert value(samples, failed[0], type=failed[1], outcome=failed[2]) == 1
    assert value(samples, "storepay_inbox_failed_events") == 1
    assert value(samples, "storepay_reconcile_runs_total", outcome="with_failures") is None

    market.run(service.use_cases().reconcile)
    market.run(service.use_cases().reconcile)

    samples = scrape(client)
    assert value(samples, "storepay_reconcile_runs_total", outcome="with_failures") == 2
    assert value(samples, "storepay_reconcile_failures_total") == 2
    assert value(samples, "storepay_inbox_failed_events") == 1  # still failed


def test_a_clean_reconciliation_pass_is_counted(
    client: TestClient[Any], market: Marketplace, service: Service
) -> None:
    market.run(service.use_cases().reconcile)
    samples = scrape(client)
    assert value(samples, "storepay_reconcile_runs_total", outcome="clean") == 1
    assert value(samples, "storepay_reconcile_failures_total") == 0


def test_each_service_counts_in_its_own_registry(tmp_path: Path) -> None:
    """Two services in one process (two apps, two test runs) never share or collide."""
    body, headers = signed(event("evt_twice"), PLATFORM_SECRET)
    seen = []
    for name in ("one", "two"):
        service = service_for(tmp_path / f"{name}.sqlite3", STRIPE_WEBHOOK_SECRET=PLATFORM_SECRET)
        with TestClient(create_app(service)) as client:
            assert deliver(client, body, headers) == 200
            seen.append(
                value(
                    scrape(client),
                    "storepay_webhook_events_total",
                    type="other",
                    outcome="ignored",
                )
            )
    assert seen == [1, 1]


@pytest.fixture
def down_client(tmp_path: Path) -> Iterator[TestClient[Any]]:
    service = service_for(tmp_path / "down.sqlite3", STRIPE_WEBHOOK_SECRET=PLATFORM_SECRET)
    with (
        service.adapters.uow_factory.override(UnreachableDatabase()),
        TestClient(create_app(service)) as test_client,
    ):
        yield test_client


def test_metrics_still_answer_while_the_database_is_down_without_stale_counts(
    down_client: TestClient[Any],
) -> None:
    samples = scrape(down_client)
    assert value(samples, "storepay_payments", status="pending") is None
    assert value(samples, "storepay_inbox_failed_events") is None
    assert any(name.startswith("storepay_requests") for name, _ in samples)


def test_requests_are_counted_by_route_and_status_never_by_their_ids(
    client: TestClient[Any],
) -> None:
    route = "/api/v1/platform/stores/{store_id}/orders/{order_id}/payment-status"
    labels = {"method": "GET", "path": route, "status_code": "404"}
    before = value(scrape(client), "storepay_requests_total", **labels) or 0
    for order_id in ("ord_metrics_first", "ord_metrics_second"):
        answer = client.get(
            f"/api/v1/platform/stores/store_metrics/orders/{order_id}/payment-status"
        )
        assert answer.status_code == 404

    samples = scrape(client)
    assert value(samples, "storepay_requests_total", **labels) == before + 2
    assert (value(samples, "storepay_request_duration_seconds_count", **labels) or 0) >= 2
    assert value(samples, "storepay_requests_in_progress", method="GET") == 1  # the scrape
    paths = {dict(key[1]).get("path", "") for key in samples}
    assert not [path for path in paths if "ord_metrics" in path or "store_metrics" in path]
