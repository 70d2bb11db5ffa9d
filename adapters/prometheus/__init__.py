"""storepay's own metrics on prometheus_client, in a registry of their own.

Each :class:`PrometheusTelemetry` owns its :class:`CollectorRegistry`: creating one per service
(per process, per test) never collides with another or with the process-wide default registry,
where Litestar keeps its request metrics. ``/metrics`` exposes both; with several workers
(:mod:`adapters.prometheus.multiprocess`) the counters are the sum over the workers, and only the
counts read at scrape time come from this registry.

Labels are bounded: an event's type is its label only when it is one of the types given (the ones
storepay acts on); any other authentic type is ``other``, whatever a sender puts there. A domain
event's type is one of storepay's own (``application.outbox.EVENT_TYPES``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import timedelta

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from application.ports import DeliveryOutcome
from application.use_cases.count_operations import OperationalCounts

PREFIX = "storepay"
# Stripe delivers within seconds, and retries a refused event for up to three days.
LAG_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 24 * 3600, 72 * 3600)
UNVERIFIED = "unverified"  # the type label of an event that was not authentic
OTHER = "other"  # the type label of an authentic event of a type not known here


class _Counts(Collector):
    """Gauges read at scrape time from the counts handed to :meth:`PrometheusTelemetry.expose`;
    nothing at all when they could not be read (no stale value is ever shown)."""

    def __init__(self) -> None:
        self.current: OperationalCounts | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts = self.current
        if counts is None:
            return
        payments = GaugeMetricFamily(
            f"{PREFIX}_payments", "Payments in each status, now.", labels=["status"]
        )
        for status, count in sorted(counts.payments_by_status.items()):
            payments.add_metric([status.value], count)
        yield payments
        yield GaugeMetricFamily(
            f"{PREFIX}_inbox_failed_events",
            "Gateway events whose handling failed and is not yet recovered, now.",
            value=counts.failed_events,
        )

    def describe(self) -> Iterable[GaugeMetricFamily]:
        return []


class PrometheusTelemetry:
    """The application's :class:`~application.ports.Telemetry` as Prometheus metrics."""

    def __init__(self, event_types: Collection[str] = ()) -> None:
        self._event_types = frozenset(event_types)
        self.registry = CollectorRegistry(auto_describe=True)
        self._events = Counter(
            f"{PREFIX}_webhook_events",
            "Deliveries of gateway events, by event type and what became of them.",
            ["type", "outcome"],
            registry=self.registry,
        )
        self._lag = Histogram(
            f"{PREFIX}_webhook_lag_seconds",
            "From the gateway creating an event to storepay handling it.",
            buckets=LAG_BUCKETS,
            registry=self.registry,
        )
        self._runs = Counter(
            f"{PREFIX}_reconcile_runs",
            "Reconciliation passes, by outcome (clean, with_failures, failed).",
            ["outcome"],
            registry=self.registry,
        )
        self._failures = Counter(
            f"{PREFIX}_reconcile_failures",
            "Payments, refunds and events a reconciliation pass could not heal.",
            registry=self.registry,
        )
        self._domain_events = Counter(
            f"{PREFIX}_domain_events",
            "Domain events relayed from the outbox, by type.",
            ["type"],
            registry=self.registry,
        )
        self._counts = _Counts()
        self._counts_registry = CollectorRegistry(auto_describe=True)
        self._counts_registry.register(self._counts)

    def gateway_event(
        self, event_type: str | None, outcome: DeliveryOutcome, lag: timedelta | None
    ) -> None:
        if event_type is None:
            label = UNVERIFIED
        else:
            label = event_type if event_type in self._event_types else OTHER
        self._events.labels(label, outcome.value).inc()
        if lag is not None:
            self._lag.observe(lag.total_seconds())

    def reconciliation(self, failures: int | None) -> None:
        if failures is None:
            self._runs.labels("failed").inc()
            return
        self._runs.labels("with_failures" if failures else "clean").inc()
        self._failures.inc(failures)

    def domain_event(self, event_type: str) -> None:
        self._domain_events.labels(event_type).inc()

    def expose(self, counts: OperationalCounts | None) -> bytes:
        """The metrics in Prometheus' text format, with ``counts`` read just now (``None``: they
        could not be read, and are left out)."""
        return generate_latest(self.registry) + self.expose_counts(counts)

    def expose_counts(self, counts: OperationalCounts | None) -> bytes:
        """Only the counts, for when the counters are exposed summed over the workers."""
        self._counts.current = counts
        try:
            return generate_latest(self._counts_registry)
        finally:
            self._counts.current = None
