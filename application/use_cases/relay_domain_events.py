"""Relay the domain events waiting in the outbox, oldest first, then forget those relayed long ago.

Each event is handed to telemetry, then marked relayed in the transaction that read it: an event
is relayed at least once (a pass that fails before its commit hands its batch over again on the
next), never lost. Run by every reconciliation pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.ports import Clock, NoTelemetry, Telemetry, UnitOfWorkFactory
from application.transactions import retrying

RETENTION = timedelta(days=7)  # how long a relayed event is kept, to look into


@dataclass(frozen=True, slots=True)
class RelayReport:
    relayed: int
    purged: int  # relayed longer ago than the retention


class RelayDomainEvents:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        batch_size: int,
        telemetry: Telemetry | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._batch_size = batch_size
        self._telemetry = telemetry or NoTelemetry()

    async def __call__(self) -> RelayReport:
        relayed = 0
        while True:
            count = await retrying(self._relay_batch)
            relayed += count
            if count < self._batch_size:
                break
        return RelayReport(relayed=relayed, purged=await retrying(self._purge))

    async def _relay_batch(self) -> int:
        async with self._uow_factory() as uow:
            batch = await uow.outbox.unrelayed(self._batch_size)
            if not batch:
                return 0
            for event in batch:
                self._telemetry.domain_event(event.type)
            await uow.outbox.mark_relayed([event.id for event in batch], self._clock.now())
            await uow.commit()
        return len(batch)

    async def _purge(self) -> int:
        async with self._uow_factory() as uow:
            purged = await uow.outbox.remove_relayed(self._clock.now() - RETENTION)
            await uow.commit()
        return purged
