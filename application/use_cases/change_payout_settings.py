"""A store changes when and from what amount it is paid out; the gateway is told first."""

from __future__ import annotations

from dataclasses import dataclass

from application.errors import PaymentsNotSetUp
from application.gateway import PaymentGateway
from application.lookups import require_store
from application.ports import UnitOfWorkFactory
from domain.money import Money
from domain.payout import PayoutSchedule
from domain.store import Store


@dataclass(frozen=True, slots=True)
class PayoutChange:
    store_id: str
    payout_schedule: str | None = None
    minimum_payout: int | None = None


class ChangePayoutSettings:
    def __init__(self, uow_factory: UnitOfWorkFactory, gateway: PaymentGateway) -> None:
        self._uow_factory = uow_factory
        self._gateway = gateway

    async def __call__(self, command: PayoutChange) -> Store:
        async with self._uow_factory() as uow:
            store = await require_store(uow, command.store_id)
        schedule = (
            None
            if command.payout_schedule is None
            else PayoutSchedule.parse(command.payout_schedule)
        )
        minimum = (
            None
            if command.minimum_payout is None
            else Money.of(command.minimum_payout, store.currency)
        )
        settings = store.payout_settings.changed(schedule=schedule, minimum_payout=minimum)
        if schedule is not None:
            if store.account is None:
                raise PaymentsNotSetUp("set up payments before choosing a payout schedule")
            await self._gateway.set_payout_schedule(store.account.account_id, settings.schedule)
        async with self._uow_factory() as uow:
            store = await require_store(uow, command.store_id)
            store.change_payouts(schedule=settings.schedule, minimum_payout=settings.minimum_payout)
            await uow.stores.save(store)
            await uow.commit()
        return store
