"""Prometheus metrics of the HTTP requests, in the process-wide registry ``/metrics`` shows.

Requests are counted by route (its path template, never the path: ids in paths would make a
series per payment) and status. Each combination's series are looked up once and kept: the
lookup through the client's ``labels()`` is a dearer step than the count itself.
"""

from __future__ import annotations

from prometheus_client import REGISTRY, Counter, Gauge, Histogram

_ROUTE_LABELS = ("method", "path")
_LABELS = (*_ROUTE_LABELS, "status_code")


class RequestMetrics:
    def __init__(self, prefix: str = "storepay") -> None:
        self._requests = Counter(
            f"{prefix}_requests", "Requests answered", _LABELS, registry=REGISTRY
        )
        self._errors = Counter(
            f"{prefix}_requests_error",
            "Requests answered with a 5xx status",
            _LABELS,
            registry=REGISTRY,
        )
        self._durations = Histogram(
            f"{prefix}_request_duration_seconds",
            "Time to answer a request, in seconds",
            _LABELS,
            registry=REGISTRY,
        )
        self._in_progress = Gauge(
            f"{prefix}_requests_in_progress",
            "Requests being answered",
            _ROUTE_LABELS,
            registry=REGISTRY,
        )
        self._answered: dict[tuple[str, str, int], tuple[Counter, Histogram, Counter | None]] = {}
        self._started: dict[tuple[str, str], Gauge] = {}

    def started(self, method: str, path: str) -> Gauge:
        """The in-progress gauge of the route, raised; lower it once the request is answered."""
        route = (method, path)
        gauge = self._started.get(route)
        if gauge is None:
            gauge = self._started[route] = self._in_progress.labels(method, path)
        gauge.inc()
        return gauge

    def answered(self, method: str, path: str, status: int, seconds: float) -> None:
        key = (method, path, status)
        series = self._answered.get(key)
        if series is None:
            labels = (method, path, str(status))
            series = self._answered[key] = (
                self._requests.labels(*labels),
                self._durations.labels(*labels),
                self._errors.labels(*labels) if status >= 500 else None,
            )
        requests, durations, errors = series
        requests.inc()
        durations.observe(seconds)
        if errors is not None:
            errors.inc()


# One set per process: the registry refuses a second metric of the same name.
REQUEST_METRICS = RequestMetrics()
