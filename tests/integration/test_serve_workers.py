"""The real ``storepay serve`` with several workers: ``/metrics`` shows the sum over the workers
whichever answers the scrape, the storefront's rate limit, counted in Redis, holds for both
together, and in simulated mode four workers on PostgreSQL share one Stripe emulator, served in a
process of its own. With one worker: the client address the rate limit counts is the
connection's, unless ``--forwarded-allow-ips`` names the proxy that sent ``X-Forwarded-For``."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from contract.databases import NO_POSTGRES, POSTGRES_URL, new_postgres_database
from prometheus_client.parser import text_string_to_metric_families
from security.redis_server import keys_under, redis_namespace
from served import ADMIN_TOKEN, Served, served, stripe_settings

__all__ = ["redis_namespace"]  # the fixture

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
STATUS = "/api/v1/platform/stores/store_served/orders/ord_served/payment-status"
STATUS_ROUTE = "/api/v1/platform/stores/{store_id}/orders/{order_id}/payment-status"


def answered(server: Served, path: str, status: int) -> float:
    code, _, text = server.get("/metrics", ADMIN)
    assert code == 200, text
    labels = {"method": "GET", "path": path, "status_code": str(status)}
    return next(
        (
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "storepay_requests_total" and sample.labels == labels
        ),
        0,
    )


def concurrently(server: Served, path: str, count: int, **headers: str) -> list[int]:
    """``count`` requests, eight at a time, each on a connection of its own."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda _: server.get(path, headers)[0], range(count)))


def test_metrics_are_the_sum_over_the_workers_whichever_answers(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    requests = 40
    with served(tmp_path, workers=2, TMPDIR=str(scratch), **stripe_settings()) as server:
        before = answered(server, "/health", 200)  # the start-up's probes
        assert concurrently(server, "/health", requests) == [200] * requests

        seen = [answered(server, "/health", 200) - before for _ in range(8)]
        assert seen == [requests] * 8
        assert server.get("/metrics")[0] == 401
        [directory] = scratch.glob("storepay-metrics-*")
        pids = {path.stem.rsplit("_", 1)[1] for path in directory.glob("counter_*.db")}
        assert len(pids) == 2  # one file of counters each worker
    assert not directory.exists()  # removed when serve stopped


def test_the_rate_limit_holds_across_two_workers_counting_in_redis(
    tmp_path: Path, redis_namespace: tuple[str, str]
) -> None:
    url, namespace = redis_namespace
    limit, requests = 6, 30
    with served(
        tmp_path,
        workers=2,
        STOREPAY_RATE_LIMIT_PER_MINUTE=str(limit),
        STOREPAY_REDIS_URL=url,
        STOREPAY_REDIS_NAMESPACE=namespace,
        **stripe_settings(),
    ) as server:
        statuses = concurrently(server, STATUS, requests)

        assert sorted(statuses) == [404] * limit + [429] * (requests - limit)
        assert answered(server, STATUS_ROUTE, 429) == requests - limit
        assert keys_under(namespace)


@pytest.mark.parametrize(
    "options", [(), ("--forwarded-allow-ips", "192.0.2.1")], ids=["no-proxy", "another-proxy"]
)
def test_a_forged_forwarded_for_changes_nothing_from_a_client_not_listed(
    tmp_path: Path, options: tuple[str, ...]
) -> None:
    with served(tmp_path, *options, STOREPAY_RATE_LIMIT_PER_MINUTE="3") as server:
        statuses = [
            server.get(STATUS, {"X-Forwarded-For": f"203.0.113.{n}"})[0] for n in range(1, 6)
        ]

        assert statuses == [404, 404, 404, 429, 429]  # the real peer counted every time
        clients = {r["client"] for r in server.access_records(STATUS, count=5)}
        assert clients == {"127.0.0.1"}


def test_from_a_listed_proxy_the_client_is_the_forwarded_address(tmp_path: Path) -> None:
    options = ("--forwarded-allow-ips", "127.0.0.1")
    with served(tmp_path, *options, STOREPAY_RATE_LIMIT_PER_MINUTE="3") as server:
        first = [server.get(STATUS, {"X-Forwarded-For": "203.0.113.1"})[0] for _ in range(4)]
        second = server.get(STATUS, {"X-Forwarded-For": "198.51.100.2, 203.0.113.2"})[0]

        assert first == [404, 404, 404, 429]
        assert second == 404  # another shopper behind the proxy: a count of its own
        clients = [r["client"] for r in server.access_records(STATUS, count=5)]
        assert clients == ["203.0.113.1"] * 4 + ["203.0.113.2"]


# -- simulated mode: one Stripe emulator for every worker ---------------------------------------

API = "/api/v1"
SHOPPERS = 8


@pytest.fixture
def postgres_url() -> str:
    """A new PostgreSQL database of the newest schema, dropped when the session ends."""
    if POSTGRES_URL is None:
        pytest.skip(NO_POSTGRES)
    return asyncio.run(new_postgres_database())


def _emulator_processes(server: Served) -> list[int]:
    """The processes serve started whose command runs the Stripe emulator."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if (
                entry.name.isdigit()
                and f"PPid:\t{server.process.pid}\n" in (entry / "status").read_text()
                and b"entrypoints.emulator_server" in (entry / "cmdline").read_bytes()
            ):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _ready_store(server: Served) -> tuple[dict[str, Any], dict[str, str]]:
    """A store opened and onboarded through the simulator, once it accepts payments."""
    status, store = server.post(
        f"{API}/admin/stores", {"name": "Atelier Ana", "business_email": "ana@atelier.lu"}, ADMIN
    )
    assert status == 201, store
    key = {"Authorization": f"Bearer {store['api_key']}"}
    status, setup = server.post(f"{API}/store/payments/setup", {}, key)
    assert status == 200, setup
    onboarding = f"/simulator/accounts/{setup['stripe_account_id']}/complete-onboarding"
    status, account = server.post(onboarding)
    assert (status, account["charges_enabled"]) == (200, True)
    _eventually(
        lambda: json.loads(server.get(f"{API}/store/payments/config", key)[2])["accepts_payments"]
    )
    return store, key


def _pay(server: Served, store: dict[str, Any], key: dict[str, str], n: int) -> str:
    """A shopper's order, paid with a test card through the simulator: each step on a connection
    of its own, so the steps of one payment reach different workers."""
    email = f"shopper{n}@example.lu"
    order_body = {"reference": f"A-{n}", "customer_email": email, "amount": 1999}
    _, order = server.post(f"{API}/store/orders", {**order_body, "currency": "EUR"}, key)
    _, intent = server.post(
        f"{API}/platform/stores/{store['id']}/payments/create-intent",
        {"order_id": order["id"], "amount": 1999, "customer_email": email},
    )
    status, paid = server.post(
        f"/simulator/payment_intents/{intent['payment_intent_id']}/confirm",
        {"client_secret": intent["client_secret"], "card_number": "4242424242424242"},
    )
    assert (status, paid["status"]) == (200, "succeeded"), paid
    return str(order["id"])


def _payment_status(server: Served, key: dict[str, str], order_id: str) -> str:
    status, _, text = server.get(f"{API}/store/orders/{order_id}", key)
    assert status == 200, text
    return str(json.loads(text)["payment_status"])


def _eventually(check: Callable[[], Any], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.1)


def test_four_simulated_workers_on_postgresql_share_one_stripe_emulator(
    tmp_path: Path, postgres_url: str
) -> None:
    settings = {"STOREPAY_GATEWAY": "simulated", "STOREPAY_DATABASE_URL": postgres_url}
    with served(tmp_path, workers=4, **settings) as server:
        [emulator] = _emulator_processes(server)
        store, key = _ready_store(server)

        with ThreadPoolExecutor(max_workers=SHOPPERS) as pool:
            orders = list(pool.map(lambda n: _pay(server, store, key, n), range(SHOPPERS)))
            # Paid, whichever worker answers: each read on a connection of its own.
            seen = list(pool.map(lambda o: _payment_status(server, key, o), orders * 4))

        assert seen == ["paid"] * SHOPPERS * 4
    assert not Path(f"/proc/{emulator}").exists()  # stopped with serve


def test_the_emulator_serve_runs_delivers_on_a_hostile_network_when_asked(tmp_path: Path) -> None:
    hostile = {
        "STOREPAY_GATEWAY": "simulated",
        "STOREPAY_SIMULATED_DELIVERY": "hostile",
        "STOREPAY_SIMULATED_DELIVERY_DELAY_MS": "300",
        "STOREPAY_SIMULATED_DELIVERY_DUPLICATES": "100",
    }
    with served(tmp_path, workers=2, **hostile) as server:
        store, key = _ready_store(server)  # waits for account.updated to arrive
        orders = [_pay(server, store, key, n) for n in range(3)]

        _eventually(lambda: all(_payment_status(server, key, o) == "paid" for o in orders))
