"""The real ``storepay serve`` with two workers: ``/metrics`` shows the sum over the workers
whichever answers the scrape, and the storefront's rate limit, counted in Redis, holds for both
together. With one worker: the client address the rate limit counts is the connection's, unless
``--forwarded-allow-ips`` names the proxy that sent ``X-Forwarded-For``."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
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
