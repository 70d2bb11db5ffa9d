"""Every answer is logged once and counted once, with the status the client received: a rate
limit's 429, a routing 404 or 405, and 499 for a client that went away before its answer (as
nginx logs it), never a 500 it did not get. Route labels stay bounded: a path template, or one
fixed label for a path no route matches, never the raw path; a webhook event's type is a label
only when it is a type storepay knows."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from e2e.conftest import ADMIN, API, service_for
from e2e.shopping import signed
from litestar import Litestar
from litestar.exceptions import LitestarException
from litestar.testing import TestClient
from log_capture import captured_log
from prometheus_client.parser import text_string_to_metric_families

from entrypoints.http.app import create_app

LIMIT = 2
WEBHOOK_SECRET = "whsec_observed_answers_0123456789"
STATUS_ROUTE = f"{API}/platform/stores/{{store_id}}/orders/{{order_id}}/payment-status"
UNMATCHED = "unmatched"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient[Any]]:
    service = service_for(
        tmp_path / "observed.sqlite3",
        STOREPAY_RATE_LIMIT_PER_MINUTE=str(LIMIT),
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    with TestClient(create_app(service)) as test_client:
        yield test_client


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    with captured_log() as stream:
        yield stream


def access_lines(stream: io.StringIO, path: str) -> list[int]:
    """The statuses the access log gave for ``path``, in order."""
    records = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    return [
        record["status"]
        for record in records
        if record["logger"] == "storepay.access" and record["path"] == path
    ]


def scrape(client: TestClient[Any]) -> Samples:
    response = client.get("/metrics", headers=ADMIN)
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def answered(samples: Samples, method: str, path: str, status: int) -> float:
    labels = {"method": method, "path": path, "status_code": str(status)}
    return samples.get(("storepay_requests_total", frozenset(labels.items())), 0)


def test_a_rate_limited_answer_is_logged_and_counted_as_the_429_it_is(
    client: TestClient[Any], log_lines: io.StringIO
) -> None:
    path = f"{API}/platform/stores/store_observed/orders/ord_observed/payment-status"
    before = scrape(client)
    statuses = [client.get(path).status_code for _ in range(LIMIT + 1)]
    assert statuses == [404] * LIMIT + [429]

    after = scrape(client)
    assert access_lines(log_lines, path) == statuses  # one line each, the status sent
    for status, more in ((404, LIMIT), (429, 1), (500, 0)):
        assert (
            answered(after, "GET", STATUS_ROUTE, status)
            - answered(before, "GET", STATUS_ROUTE, status)
            == more
        ), status


def test_a_path_no_route_matches_is_logged_and_counted_under_one_fixed_label(
    client: TestClient[Any], log_lines: io.StringIO
) -> None:
    before = scrape(client)
    for suffix in ("ord_probe_one", "ord_probe_two"):
        assert client.get(f"/nowhere/{suffix}").status_code == 404

    after = scrape(client)
    assert access_lines(log_lines, "/nowhere/ord_probe_one") == [404]
    assert access_lines(log_lines, "/nowhere/ord_probe_two") == [404]
    assert answered(after, "GET", UNMATCHED, 404) - answered(before, "GET", UNMATCHED, 404) == 2
    labels = {value for _, pairs in after for _, value in pairs}
    assert not [label for label in labels if "ord_probe" in label or "nowhere" in label]


def test_a_method_the_route_does_not_take_is_logged_and_counted_as_405(
    client: TestClient[Any], log_lines: io.StringIO
) -> None:
    before = scrape(client)
    assert client.delete("/health").status_code == 405

    after = scrape(client)
    assert access_lines(log_lines, "/health") == [405]
    # Earlier requests of other methods may have left 405 series of their own: count each
    # series' change, whatever its labels.
    counted = [
        (dict(labels)["method"], dict(labels)["path"])
        for (name, labels), value in after.items()
        if name == "storepay_requests_total" and dict(labels).get("status_code") == "405"
        for _ in range(int(value - before.get((name, labels), 0)))
    ]
    assert len(counted) == 1
    assert counted[0] in {("DELETE", "/health"), ("DELETE", UNMATCHED)}


def _post_and_hang_up(app: Litestar, path: str) -> list[dict[str, Any]]:
    """POST ``path`` as a client that disconnects before sending its body."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", b"64"),
            (b"authorization", ADMIN["Authorization"].encode()),
        ],
        "client": ("198.51.100.7", 50000),
        "server": ("testserver", 80),
        "state": {},
    }

    async def call() -> None:
        await app(scope, receive, send)  # type: ignore[arg-type]

    anyio.run(call)
    return sent


def test_a_client_gone_before_its_answer_is_logged_and_counted_as_499_not_500(
    client: TestClient[Any], log_lines: io.StringIO
) -> None:
    app = client.app
    assert isinstance(app, Litestar)
    before = scrape(client)
    _post_and_hang_up(app, f"{API}/admin/stores")

    after = scrape(client)
    assert access_lines(log_lines, f"{API}/admin/stores") == [499]
    route = f"{API}/admin/stores"
    assert answered(after, "POST", route, 499) - answered(before, "POST", route, 499) == 1
    assert answered(after, "POST", route, 500) == answered(before, "POST", route, 500)
    errors = "storepay_requests_error_total"
    labels = frozenset({"method": "POST", "path": route, "status_code": "500"}.items())
    assert after.get((errors, labels), 0) == before.get((errors, labels), 0)


def test_a_webhook_event_type_storepay_does_not_know_is_counted_as_other(
    client: TestClient[Any],
) -> None:
    event = {
        "id": "evt_unbounded",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": 1_760_000_000,
        "data": {"object": {"id": "cus_x", "object": "customer"}},
        "livemode": False,
        "type": "made.up.type.ord_0123456789",
    }
    body, headers = signed(event, WEBHOOK_SECRET)
    assert client.post("/webhooks/stripe", content=body, headers=headers).status_code == 200

    samples = scrape(client)
    types = {
        dict(labels)["type"] for name, labels in samples if name == "storepay_webhook_events_total"
    }
    assert types == {"other"}


def test_an_answer_the_connection_could_not_carry_is_logged_as_499(
    client: TestClient[Any], log_lines: io.StringIO
) -> None:
    app = client.app
    assert isinstance(app, Litestar)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/health",
        "raw_path": b"/health",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("198.51.100.8", 50001),
        "server": ("testserver", 80),
        "state": {},
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message: Any) -> None:
        raise ConnectionResetError("the peer is gone")

    async def call() -> None:
        await app(scope, receive, send)  # type: ignore[arg-type]

    with pytest.raises(LitestarException):  # Litestar's word for an error after the start
        anyio.run(call)
    assert access_lines(log_lines, "/health") == [499]
