"""The Redis server the tests share (``STOREPAY_TEST_REDIS_URL``, by default the one on
127.0.0.1:6379 that every machine of the project runs): each test gets a namespace of its own and
removes its keys. Without a reachable Redis the tests that need one skip, unless
``STOREPAY_REQUIRE_REDIS`` is set (as CI sets it), where they fail."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis

DEFAULT_URL = "redis://127.0.0.1:6379/0"


def redis_url() -> str:
    return os.environ.get("STOREPAY_TEST_REDIS_URL", DEFAULT_URL)


@pytest.fixture
def redis_namespace() -> Iterator[tuple[str, str]]:
    """A reachable Redis's URL and a fresh key namespace, whose keys are removed afterwards."""
    url = redis_url()
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        if os.environ.get("STOREPAY_REQUIRE_REDIS"):
            pytest.fail(f"Redis at {url} is required and unreachable: {error}")
        pytest.skip(f"Redis at {url} is unreachable")
    namespace = f"storepay-test-{uuid.uuid4().hex[:12]}"
    try:
        yield url, namespace
    finally:
        keys = list(client.scan_iter(match=f"{namespace}:*"))
        if keys:
            client.delete(*keys)
        client.close()


def keys_under(namespace: str) -> list[bytes]:
    client = redis.Redis.from_url(redis_url())
    try:
        return list(client.scan_iter(match=f"{namespace}:*"))
    finally:
        client.close()
