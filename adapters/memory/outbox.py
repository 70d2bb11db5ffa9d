"""The domain event outbox over one memory transaction: events staged with the rest of it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime

from application.ports import OutboxEvent

from .table import Changes


class MemoryDomainEventOutbox:
    def __init__(self, rows: Changes[str, OutboxEvent]) -> None:
        self._rows = rows

    async def add(self, events: Sequence[OutboxEvent]) -> None:
        for event in events:
            self._rows.insert(event)

    async def unrelayed(self, limit: int) -> list[OutboxEvent]:
        # Without an ordering, rows come in the order they were committed, then this
        # transaction's in the order it added them.
        return self._rows.select(lambda event: event.relayed_at is None, limit=limit)

    async def mark_relayed(self, event_ids: Collection[str], at: datetime) -> None:
        for event_id in event_ids:
            event = self._rows.get(event_id)
            if event is not None and event.relayed_at is None:
                self._rows.update(replace(event, relayed_at=at))

    async def remove_relayed(self, relayed_before: datetime) -> int:
        old = self._rows.select(
            lambda event: event.relayed_at is not None and event.relayed_at < relayed_before
        )
        for event in old:
            self._rows.delete(event.id)
        return len(old)
