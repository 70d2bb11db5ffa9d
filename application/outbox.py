"""Domain events put in the unit of work's outbox, in the transaction that recorded them.

Each event becomes one message: a type named in :data:`EVENT_TYPES` (never a class name, so
renaming a class renames nothing a storefront reads) and a payload of the event's fields as a
storefront will read them: money as ``{"amount": minor_units, "currency": "EUR"}``, statuses
as ``status`` and ``previous_status``. The store and the time the event occurred are the
message's own columns, not repeated in the payload. Relaying them is
``application.use_cases.relay_domain_events``.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Final

from application.ports import Clock, IdGenerator, JsonValue, OutboxEvent, UnitOfWork
from domain.events import (
    AccountStatusChanged,
    DisputeStatusChanged,
    DomainEvent,
    PaymentFailed,
    PaymentStatusChanged,
    PaymentSucceeded,
    RefundRequested,
    RefundStatusChanged,
)
from domain.money import Money

EVENT_TYPES: Final[Mapping[type[DomainEvent], str]] = MappingProxyType(
    {
        PaymentStatusChanged: "payment.status_changed",
        PaymentSucceeded: "payment.succeeded",
        PaymentFailed: "payment.failed",
        RefundRequested: "refund.requested",
        RefundStatusChanged: "refund.status_changed",
        DisputeStatusChanged: "dispute.status_changed",
        AccountStatusChanged: "account.status_changed",
    }
)
ID_PREFIX = "ev_"

_COLUMNS = frozenset({"occurred_at", "store_id"})  # the message's own, left out of the payload
_NAMES = {"current": "status", "previous": "previous_status"}


def payload_of(event: DomainEvent) -> dict[str, JsonValue]:
    """The event's fields as a storefront reads them."""
    return {
        _NAMES.get(field.name, field.name): _json(getattr(event, field.name))
        for field in dataclasses.fields(event)
        if field.name not in _COLUMNS
    }


def _json(value: object) -> JsonValue:
    if isinstance(value, Money):
        return {"amount": value.minor_units, "currency": value.currency.code}
    if isinstance(value, enum.Enum):
        return str(value.value)
    if value is None or isinstance(value, str | int):
        return value
    raise TypeError(f"no JSON form for {type(value).__name__} in a domain event")


class OutboxWriter:
    """Puts the events an aggregate recorded in the outbox of the unit of work saving it."""

    def __init__(self, ids: IdGenerator, clock: Clock) -> None:
        self._ids = ids
        self._clock = clock

    async def write(self, uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
        if not events:
            return
        now = self._clock.now()
        await uow.outbox.add(
            [
                OutboxEvent(
                    id=self._ids.new_id(ID_PREFIX),
                    type=EVENT_TYPES[type(event)],
                    store_id=event.store_id,
                    occurred_at=event.occurred_at,
                    payload=payload_of(event),
                    created_at=now,
                )
                for event in events
            ]
        )
