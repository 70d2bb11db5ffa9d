"""``/metrics`` for Prometheus: the request metrics (the process-wide default registry)
followed by storepay's own (the service's registry), with the payment and inbox counts read from
the database; with several workers, the counters summed over them all.

Only the admin token or the metrics token (``STOREPAY_METRICS_TOKEN``, for a scraper that should
hold nothing more) reads them. The counts are read at most once in
``STOREPAY_METRICS_CACHE_SECONDS`` by each worker: however often it is scraped, the database is not.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from adapters.prometheus import PrometheusTelemetry
from adapters.prometheus.multiprocess import shared_directory, shared_metrics
from application.errors import Unauthorized
from application.use_cases.count_operations import OperationalCounts
from entrypoints.http.auth import bearer_token, service_of
from entrypoints.http.dependencies import UseCasesDependency

logger = logging.getLogger("storepay.metrics")

_CACHE = "metrics_counts"  # where the app's state keeps its counts


async def metrics_reader(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    token = bearer_token(connection).encode()
    settings = service_of(connection).settings()
    accepted = [settings.admin_token, settings.metrics_token]
    # Every token is compared, so the time taken does not tell which one was close.
    matches = [hmac.compare_digest(token, expected.encode()) for expected in accepted if expected]
    if not any(matches):
        raise Unauthorized("send the admin token or the metrics token")


class CachedCounts:
    """The operational counts, read again only once they are older than ``seconds``. A failed
    read is not kept: the next scrape tries again, and shows no stale counts meanwhile."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._lock = asyncio.Lock()  # concurrent scrapes read the database once
        self._counts: OperationalCounts | None = None
        self._read_at = 0.0

    async def get(
        self, read: Callable[[], Awaitable[OperationalCounts]]
    ) -> OperationalCounts | None:
        async with self._lock:
            now = self._clock()
            if self._counts is not None and now - self._read_at < self._seconds:
                return self._counts
            self._counts = None
            try:
                counts = await read()
            except Exception as error:  # the database is down: still answer, without the counts
                logger.warning("metrics: counts unavailable (%s)", type(error).__name__)
                return None
            self._counts, self._read_at = counts, now
            return counts


class MetricsController(Controller):
    path = "/metrics"
    include_in_schema = False

    @get(cache=False, guards=[metrics_reader])
    async def metrics(
        self, request: Request[Any, Any, Any], use_cases: UseCasesDependency
    ) -> Response[bytes]:
        service = service_of(request)
        cache: CachedCounts | None = request.app.state.get(_CACHE)
        if cache is None:
            cache = request.app.state[_CACHE] = CachedCounts(
                service.settings().metrics_cache_seconds
            )
        counts = await cache.get(use_cases.count_operations)
        telemetry: PrometheusTelemetry = service.adapters.telemetry()
        directory = shared_directory()
        if directory is None:
            body = generate_latest(REGISTRY) + telemetry.expose(counts)
        else:
            body = shared_metrics(directory) + telemetry.expose_counts(counts)
        return Response(body, media_type=CONTENT_TYPE_LATEST)
