"""With ``STOREPAY_REDIS_URL`` the storefront's rate limit counts in Redis, shared by every
worker and host (``tests/integration/test_serve_workers.py`` serves two workers on it); with
Redis unreachable the storefront keeps selling, unchecked, with a warning and a metric.

The many-apps-one-Redis tests stand in for several workers: each app has its own memory."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
import redis
from e2e.conftest import ADMIN, API, assert_problem, service_for
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.testing import TestClient
from log_capture import captured_log
from prometheus_client import REGISTRY

from entrypoints.http import rate_limit
from entrypoints.http.app import create_app
from entrypoints.settings import SettingsError, load_settings
from security.redis_server import keys_under, redis_namespace

__all__ = ["redis_namespace"]  # the fixture

LIMIT = 4
STATUS = f"{API}/platform/stores/store_limited/orders/ord_limited/payment-status"


@contextmanager
def clients(tmp_path: Path, count: int, **environment: str) -> Iterator[list[TestClient[Any]]]:
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                TestClient(
                    create_app(
                        service_for(
                            tmp_path / f"app{n}.sqlite3",
                            STOREPAY_RATE_LIMIT_PER_MINUTE=str(LIMIT),
                            **environment,
                        )
                    )
                )
            )
            for n in range(count)
        ]


def test_two_apps_on_one_redis_share_one_limit(
    tmp_path: Path, redis_namespace: tuple[str, str]
) -> None:
    url, namespace = redis_namespace
    with clients(tmp_path, 2, STOREPAY_REDIS_URL=url, STOREPAY_REDIS_NAMESPACE=namespace) as apps:
        statuses = [apps[n % 2].get(STATUS).status_code for n in range(LIMIT + 2)]
        assert statuses == [404] * LIMIT + [429, 429]
        refused = apps[0].get(STATUS)
        assert_problem(refused, 429, "rate_limited")
        assert 0 < int(refused.headers["retry-after"]) <= 60
        assert refused.headers["ratelimit-remaining"] == "0"
        answered = apps[1].get(f"{API}/admin/stores/store_limited", headers=ADMIN)
        assert answered.status_code == 404  # the rest of the API is not limited
    assert keys_under(namespace)  # the counters were in Redis


def test_the_rate_limit_headers_count_down_as_litestar_s_do(
    tmp_path: Path, redis_namespace: tuple[str, str]
) -> None:
    url, namespace = redis_namespace
    with clients(tmp_path, 1, STOREPAY_REDIS_URL=url, STOREPAY_REDIS_NAMESPACE=namespace) as (app,):
        remaining = [app.get(STATUS).headers["ratelimit-remaining"] for _ in range(LIMIT)]
        assert remaining == [str(LIMIT - n) for n in range(1, LIMIT + 1)]
        answer = app.get(STATUS)
        assert answer.headers["ratelimit-limit"] == str(LIMIT)
        assert answer.headers["ratelimit-policy"] == f"{LIMIT}; w=60"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens there once the probe is closed


def test_with_redis_unreachable_the_storefront_keeps_selling_and_says_so(
    tmp_path: Path,
) -> None:
    unchecked = "storepay_rate_limit_unchecked_total"
    before = REGISTRY.get_sample_value(unchecked) or 0
    down = f"redis://127.0.0.1:{_closed_port()}/0"
    with clients(tmp_path, 1, STOREPAY_REDIS_URL=down) as (app,), captured_log() as log:
        statuses = [app.get(STATUS).status_code for _ in range(LIMIT * 2)]
        assert statuses == [404] * (LIMIT * 2)  # answered, never 429 nor 5xx
        assert "ratelimit-limit" not in app.get(STATUS).headers

    assert (REGISTRY.get_sample_value(unchecked) or 0) - before == LIMIT * 2 + 1
    records = [json.loads(line) for line in log.getvalue().splitlines() if line.strip()]
    warnings = [r for r in records if r["logger"] == "storepay.rate_limit"]
    assert len(warnings) == 1  # once, not once a request
    assert warnings[0]["level"] == "warning"
    assert "unreachable" in warnings[0]["message"]


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:6379", "127.0.0.1:6379", "redis://", "unix:///tmp/redis.sock"]
)
def test_a_redis_url_that_is_not_one_is_refused_at_start_up(url: str) -> None:
    with pytest.raises(SettingsError, match="STOREPAY_REDIS_URL must be a redis:// or rediss://"):
        load_settings({"STOREPAY_REDIS_URL": url})


def test_a_redis_url_is_never_shown_it_may_hold_a_password() -> None:
    settings = load_settings({"STOREPAY_REDIS_URL": "rediss://:s3cret@cache.internal:6380/2"})
    assert settings.redis_url == "rediss://:s3cret@cache.internal:6380/2"
    assert "s3cret" not in repr(settings)
    with pytest.raises(SettingsError) as refused:
        load_settings({"STOREPAY_REDIS_URL": "http://:s3cret@cache.internal"})
    assert "s3cret" not in str(refused.value)


@pytest.mark.parametrize("namespace", ["has space", "a:b", "x" * 65])
def test_a_redis_namespace_out_of_its_alphabet_is_refused(namespace: str) -> None:
    with pytest.raises(SettingsError, match="STOREPAY_REDIS_NAMESPACE"):
        load_settings({"STOREPAY_REDIS_NAMESPACE": namespace})


def test_ready_says_whether_redis_answers_and_stays_ready_without_it(
    tmp_path: Path, redis_namespace: tuple[str, str]
) -> None:
    url, namespace = redis_namespace
    with clients(tmp_path, 1, STOREPAY_REDIS_URL=url, STOREPAY_REDIS_NAMESPACE=namespace) as (app,):
        assert app.get("/ready").json() == {"status": "ready", "redis": "ok"}
    down = f"redis://127.0.0.1:{_closed_port()}/0"
    with clients(tmp_path, 1, STOREPAY_REDIS_URL=down) as (app,):
        answer = app.get("/ready")
        assert answer.status_code == 200
        assert answer.json() == {"status": "ready", "redis": "unreachable"}
    with clients(tmp_path, 1) as (app,):
        assert app.get("/ready").json() == {"status": "ready"}


class FlakyCounters:
    """Counters whose Redis is away for the first ``failures`` counts."""

    def __init__(self, failures: int) -> None:
        self.failures = failures

    async def count(self, _key: str, window_seconds: int) -> tuple[int, int]:
        if self.failures:
            self.failures -= 1
            raise redis.ConnectionError("connection refused")
        return 1, window_seconds


def test_once_redis_is_back_the_limit_counts_again_and_the_log_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rate_limit, "RETRY_SECONDS", 0.0)  # ask Redis again at once
    middleware = rate_limit.SharedRateLimitMiddleware(
        app=None, config=RateLimitConfig(rate_limit=("minute", LIMIT))
    )
    store: Any = FlakyCounters(failures=1)
    with captured_log() as log:
        assert anyio.run(middleware._count, store, "key") is None
        assert anyio.run(middleware._count, store, "key") == (1, 60)
    messages = [json.loads(line)["message"] for line in log.getvalue().splitlines()]
    assert len(messages) == 2
    assert "unreachable" in messages[0]
    assert "reachable again" in messages[1]
