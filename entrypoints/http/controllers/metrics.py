"""``/metrics`` for Prometheus: the request metrics (the process-wide default registry)
followed by storepay's own (the service's registry), with the payment and inbox counts read from
the database at scrape time."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Controller, Request, Response, get
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from adapters.prometheus import PrometheusTelemetry
from application.use_cases.count_operations import OperationalCounts
from entrypoints.http.auth import service_of
from entrypoints.http.dependencies import UseCasesDependency

logger = logging.getLogger("storepay.metrics")


class MetricsController(Controller):
    path = "/metrics"
    include_in_schema = False

    @get(cache=False)
    async def metrics(
        self, request: Request[Any, Any, Any], use_cases: UseCasesDependency
    ) -> Response[bytes]:
        telemetry: PrometheusTelemetry = service_of(request).adapters.telemetry()
        counts: OperationalCounts | None
        try:
            counts = await use_cases.count_operations()
        except Exception as error:  # the database is down: still answer, without the counts
            logger.warning("metrics: counts unavailable (%s)", type(error).__name__)
            counts = None
        body = generate_latest(REGISTRY) + telemetry.expose(counts)
        return Response(body, media_type=CONTENT_TYPE_LATEST)
