"""The domain event outbox over one SQL transaction: its rows are written with the change that
recorded the events, and go out with it (on PostgreSQL, in the same single statement: see
:mod:`.merged_writes`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from application.ports import OutboxEvent

from .steps import Step
from .tables import outbox_events
from .transaction import Transaction

_COLUMNS = ("id", "type", "store_id", "occurred_at", "payload", "created_at", "relayed_at")
_INSERT = outbox_events.insert()
_UNRELAYED = (
    sa.select(*(outbox_events.c[column] for column in _COLUMNS))
    .where(outbox_events.c.relayed_at.is_(None))
    .order_by(outbox_events.c.sequence)
    .limit(sa.bindparam("limit_", type_=sa.Integer))
)


class SqlDomainEventOutbox:
    """Rows are inserted in the order the events were added, marked relayed once, and deleted
    a while after; nothing else changes them."""

    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    async def add(self, events: Sequence[OutboxEvent]) -> None:
        if not events:
            return
        rows = [_values(event) for event in events]
        await self._tx.write(None, [Step(_INSERT, rows, mergeable=True)])

    async def unrelayed(self, limit: int) -> list[OutboxEvent]:
        rows = await self._tx.fetch(
            _UNRELAYED, {"limit_": max(limit, 0)}, tables=[outbox_events.name]
        )
        return [_event_from(row) for row in rows]

    async def mark_relayed(self, event_ids: Collection[str], at: datetime) -> None:
        if not event_ids:
            return
        statement = (
            sa.update(outbox_events)
            .where(outbox_events.c.id.in_(list(event_ids)), outbox_events.c.relayed_at.is_(None))
            .values(relayed_at=at)
        )
        await self._tx.write(None, [Step(statement)])

    async def remove_relayed(self, relayed_before: datetime) -> int:
        statement = sa.delete(outbox_events).where(outbox_events.c.relayed_at < relayed_before)
        return await self._tx.write_now(statement)  # made now, to know how many


def _values(event: OutboxEvent) -> dict[str, Any]:
    return {column: getattr(event, column) for column in _COLUMNS}


def _event_from(row: Mapping[str, Any]) -> OutboxEvent:
    return OutboxEvent(**{column: row[column] for column in _COLUMNS})
