"""Relaying the outbox: every event handed to telemetry once it is committed, in order, then
marked relayed; relayed events forgotten a week later. Telemetry is storepay's Prometheus
metrics, read back from their exposition."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.prometheus import PrometheusTelemetry
from adapters.system.ids import SequentialIds
from application.ports import OutboxEvent
from application.use_cases.reconcile import Reconcile
from application.use_cases.refund_payment import RefundOrder
from application.use_cases.relay_domain_events import RETENTION, RelayDomainEvents
from domain.store import Store

from .system import DatabaseDown, System, later

pytestmark = pytest.mark.anyio

COUNTER = "storepay_domain_events_total"


def counted(telemetry: PrometheusTelemetry) -> dict[str, float]:
    """How many events of each type the telemetry was handed."""
    text = telemetry.expose(None).decode()
    return {
        sample.labels["type"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == COUNTER
    }


async def unrelayed(system: System) -> list[OutboxEvent]:
    async with system.uows() as uow:
        return await uow.outbox.unrelayed(1000)


def relay(
    system: System, telemetry: PrometheusTelemetry, batch_size: int = 100
) -> RelayDomainEvents:
    return RelayDomainEvents(system.uows, system.clock, batch_size, telemetry)


async def test_every_event_is_counted_by_type_and_marked_relayed(
    system: System, store: Store
) -> None:
    payment = await system.paid_payment(store, "A-1", 1999)
    await system.use_cases.refund_payment(RefundOrder(store.id, payment.id, 500))
    waiting = await unrelayed(system)
    telemetry = PrometheusTelemetry()

    report = await relay(system, telemetry)()

    assert report.relayed == len(waiting) == 6
    assert counted(telemetry) == {
        "account.status_changed": 1,
        "payment.status_changed": 2,
        "payment.succeeded": 1,
        "refund.requested": 1,
        "refund.status_changed": 1,
    }
    assert await unrelayed(system) == []
    again = await relay(system, telemetry)()
    assert (again.relayed, sum(counted(telemetry).values())) == (0, 6)


async def test_events_are_relayed_in_batches_in_the_order_they_were_recorded(
    system: System, store: Store
) -> None:
    for reference in ("A-1", "A-2", "A-3"):
        await system.paid_payment(store, reference)
    waiting = await unrelayed(system)
    seen: list[str] = []

    class Watching(PrometheusTelemetry):
        def domain_event(self, event_type: str) -> None:
            seen.append(event_type)
            super().domain_event(event_type)

    report = await relay(system, Watching(), batch_size=2)()

    assert report.relayed == len(waiting) == 7
    assert seen == [event.type for event in waiting]
    assert await unrelayed(system) == []


async def test_a_relay_whose_commit_fails_leaves_its_events_to_relay_again(
    system: System, store: Store
) -> None:
    await system.paid_payment(store, "A-1")
    waiting = await unrelayed(system)
    telemetry = PrometheusTelemetry()
    system.uows.fail_next_commits(1)

    with pytest.raises(DatabaseDown):
        await relay(system, telemetry)()

    assert await unrelayed(system) == waiting
    assert (await relay(system, telemetry)()).relayed == len(waiting)
    # At least once: the batch whose marking was lost was counted before it, and again now.
    assert counted(telemetry)["payment.succeeded"] == 2
    assert await unrelayed(system) == []


async def test_relayed_events_are_purged_once_older_than_the_retention(
    system: System, store: Store
) -> None:
    await system.paid_payment(store, "A-1")
    telemetry = PrometheusTelemetry()
    relayed = (await relay(system, telemetry)()).relayed
    await system.paid_payment(store, "A-2")  # not relayed: never purged

    later(system, seconds=RETENTION.total_seconds())
    kept = await relay(system, telemetry)()
    later(system, seconds=1)
    purged = await relay(system, telemetry)()

    assert (kept.relayed, kept.purged) == (2, 0)
    assert (purged.relayed, purged.purged) == (0, relayed)
    assert len(system.memory.database.outbox.rows) == 2


async def test_a_reconciliation_pass_relays_the_outbox_and_reports_it(
    system: System, store: Store
) -> None:
    await system.paid_payment(store, "A-1")
    waiting = await unrelayed(system)
    telemetry = PrometheusTelemetry()
    use_cases = system.use_cases
    reconcile = Reconcile(
        system.uows,
        system.gateway,
        use_cases.handle_gateway_event,
        system.clock,
        SequentialIds(),
        system.settings,
        telemetry,
    )

    report = await reconcile()

    assert (report.domain_events_relayed, report.domain_events_purged) == (len(waiting), 0)
    assert counted(telemetry)["payment.succeeded"] == 1
    assert await unrelayed(system) == []
    assert (await use_cases.reconcile()).domain_events_relayed == 0
