"""What operators watch, read at the moment they look: how many payments are in each status, and
how many gateway events are failed (the read model behind ``/metrics``)."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports import UnitOfWorkFactory
from domain.payment import PaymentStatus


@dataclass(frozen=True, slots=True)
class OperationalCounts:
    payments_by_status: dict[PaymentStatus, int]  # every status, zero included
    failed_events: int


class CountOperations:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self) -> OperationalCounts:
        async with self._uow_factory() as uow:
            counted = await uow.payments.count_by_status()
            failed = await uow.inbox.count_failed()
        return OperationalCounts(
            payments_by_status={status: counted.get(status, 0) for status in PaymentStatus},
            failed_events=failed,
        )
