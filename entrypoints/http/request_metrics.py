"""Prometheus metrics of the HTTP requests, in the process-wide registry ``/metrics`` shows.

Requests are counted by route (its path template, never the path: ids in paths would make a
series per payment; one fixed label for every path no route matches) and status. Each
combination's series are looked up once and kept: the lookup through the client's ``labels()`` is
a dearer step than the count itself. The requests in progress are counted by method alone: they
start before routing has found their route.

With several workers (``PROMETHEUS_MULTIPROC_DIR`` set before the client is imported, as
``storepay serve`` does) each worker writes its series to that directory and ``/metrics`` shows
their sum; the gauge sums the workers still alive.
"""

from __future__ import annotations

from prometheus_client import REGISTRY, Counter, Gauge, Histogram

_LABELS = ("method", "path", "status_code")


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
            ("method",),
            registry=REGISTRY,
            multiprocess_mode="livesum",
        )
        self._answered: dict[tuple[str, str, int], tuple[Counter, Histogram, Counter | None]] = {}
        self._started: dict[str, Gauge] = {}

    def started(self, method: str) -> Gauge:
        """The in-progress gauge of the method, raised; lower it once the request is answered."""
        gauge = self._started.get(method)
        if gauge is None:
            gauge = self._started[method] = self._in_progress.labels(method)
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
