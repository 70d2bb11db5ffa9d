"""The public storefront's rate limit: ``STOREPAY_RATE_LIMIT_PER_MINUTE`` requests a minute from
one client address.

By default each worker counts in its own memory (Litestar's memory store), so ``--workers 4``
allows up to four times the limit. With ``STOREPAY_REDIS_URL`` the counters live in Redis, in
Litestar's :class:`~litestar.stores.redis.RedisStore`, shared by every worker and host: one count
a window per address, raised and read in one atomic step (the stock middleware reads, then
writes, so workers racing on one address would lose counts).

Redis unreachable: the storefront keeps selling. Requests pass unchecked, each counted in
``storepay_rate_limit_unchecked_total``, with one warning in the log when Redis goes away and one
line when it is back; Redis is asked again at most every few seconds meanwhile.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.rate_limit import (
    DURATION_VALUES,
    DurationUnit,
    RateLimitConfig,
    RateLimitMiddleware,
)
from litestar.stores.base import Store
from litestar.stores.redis import RedisStore
from litestar.types import Message, Receive, Scope, Send
from prometheus_client import REGISTRY, Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from entrypoints.settings import Settings

logger = logging.getLogger("storepay.rate_limit")

STORE = "rate_limit"  # the name of the counters' store in the app's stores
REDIS_TIMEOUT_SECONDS = 1.0  # a Redis that does not answer must not hold a purchase for long
RETRY_SECONDS = 5.0  # how long requests pass unchecked before Redis is asked again

UNCHECKED = Counter(
    "storepay_rate_limit_unchecked",
    "Storefront requests let through without a rate-limit check: the shared store (Redis) "
    "could not be reached.",
    registry=REGISTRY,
)

# KEYS[1] the address's counter, ARGV[1] the window in seconds: the count with this request and
# the seconds left in the window, which starts with the window's first request.
_COUNT_SCRIPT = b"""
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


class SharedCounters(RedisStore):
    """Litestar's Redis store, able to count a request in one atomic step."""

    def __init__(self, redis: Redis, namespace: str) -> None:
        super().__init__(redis, namespace=namespace, handle_client_shutdown=True)
        self._count_script = redis.register_script(_COUNT_SCRIPT)

    async def count(self, key: str, window_seconds: int) -> tuple[int, int]:
        """This request counted under ``key``: the count in the window and its seconds left."""
        count, seconds_left = await self._count_script(
            keys=[self._make_key(key)], args=[window_seconds]
        )
        return int(count), int(seconds_left)

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False


class SharedRateLimitMiddleware(RateLimitMiddleware):
    """Litestar's rate limit on :class:`SharedCounters`, failing open when Redis is away."""

    def __init__(self, app: Any, config: RateLimitConfig) -> None:
        super().__init__(app, config)
        self._window = DURATION_VALUES[self.unit]
        self._unreachable_until: float | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app: Litestar = scope["litestar_app"]
        store = self.config.get_store_from_app(app)
        assert isinstance(store, SharedCounters)
        counted = await self._count(store, self.cache_key_from_request(app.request_class(scope)))
        if counted is None:
            await self.app(scope, receive, send)
            return
        count, seconds_left = counted
        headers = {
            self.config.rate_limit_policy_header_key: f"{self.max_requests}; w={self._window}",
            self.config.rate_limit_limit_header_key: str(self.max_requests),
            self.config.rate_limit_remaining_header_key: str(max(self.max_requests - count, 0)),
            self.config.rate_limit_reset_header_key: str(seconds_left),
        }
        if count > self.max_requests:
            raise TooManyRequestsException(headers=headers)
        await self.app(scope, receive, _with_headers(send, headers))

    async def _count(self, store: SharedCounters, key: str) -> tuple[int, int] | None:
        now = time.monotonic()
        if self._unreachable_until is not None and now < self._unreachable_until:
            UNCHECKED.inc()
            return None
        try:
            counted = await store.count(key, self._window)
        except (RedisError, OSError) as error:
            UNCHECKED.inc()
            if self._unreachable_until is None:
                logger.warning(
                    "rate limit: Redis unreachable (%s); storefront requests pass unchecked "
                    "until it is back",
                    type(error).__name__,
                )
            self._unreachable_until = now + RETRY_SECONDS
            return None
        if self._unreachable_until is not None:
            logger.warning("rate limit: Redis reachable again; storefront requests are limited")
            self._unreachable_until = None
        return counted


def _with_headers(send: Send, headers: dict[str, str]) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message.setdefault("headers", [])
            writable = MutableScopeHeaders(message)
            for name, value in headers.items():
                writable[name] = value
        await send(message)

    return sending


@dataclass
class StorefrontLimit:
    """What the app needs for the storefront's rate limit: the middleware of its routes, the
    stores to register, and a lifespan that closes the Redis connections."""

    middleware: list[DefineMiddleware] = field(default_factory=list)
    stores: dict[str, Store] = field(default_factory=dict)
    shared: SharedCounters | None = None

    def lifespan(self, _app: Litestar) -> AbstractAsyncContextManager[None]:
        return _closing(self.shared)


@asynccontextmanager
async def _closing(shared: SharedCounters | None) -> AsyncIterator[None]:
    try:
        yield
    finally:
        if shared is not None:
            await shared.__aexit__(None, None, None)


async def redis_answers(app: Litestar) -> bool | None:
    """Whether the Redis the rate limit counts in answers; ``None`` when it counts in memory."""
    store = app.stores.get(STORE)
    if not isinstance(store, SharedCounters):
        return None
    return await store.ping()


def storefront_limit(settings: Settings) -> StorefrontLimit:
    if not settings.rate_limit_per_minute:
        return StorefrontLimit()
    rate_limit: tuple[DurationUnit, int] = ("minute", settings.rate_limit_per_minute)
    if settings.redis_url is None:
        return StorefrontLimit([RateLimitConfig(rate_limit=rate_limit).middleware])
    client = Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )
    shared = SharedCounters(client, namespace=f"{settings.redis_namespace}:rate_limit")
    config = RateLimitConfig(
        rate_limit=rate_limit,
        store=STORE,
        middleware_class=SharedRateLimitMiddleware,
    )
    return StorefrontLimit([config.middleware], {STORE: shared}, shared)
