"""A store registers an order; registering the same reference again is idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from application.errors import OrderReferenceConflict
from application.lookups import require_store
from application.ports import Clock, DuplicateRecord, IdGenerator, UnitOfWorkFactory
from domain.currency import Currency
from domain.money import Money
from domain.order import Order


@dataclass(frozen=True, slots=True)
class NewOrder:
    store_id: str
    reference: str
    customer_email: str
    amount: int
    currency: str


@dataclass(frozen=True, slots=True)
class RegisteredOrder:
    order: Order
    created: bool  # False when the reference was already registered with the same details


class RegisterOrder:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids

    async def __call__(self, command: NewOrder) -> RegisteredOrder:
        amount = Money.of(command.amount, Currency.for_payments(command.currency))
        order = Order.register(
            order_id=self._ids.new_id("ord_"),
            store_id=command.store_id,
            reference=command.reference,
            customer_email=command.customer_email,
            amount=amount,
            created_at=self._clock.now(),
        )
        try:
            async with self._uow_factory() as uow:
                store = await require_store(uow, command.store_id)
                existing = await uow.orders.by_reference(command.store_id, command.reference)
                if existing is None:
                    store.takes(amount.currency)
                    await uow.orders.add(order)
                    await uow.commit()
                    return RegisteredOrder(order=order, created=True)
        except DuplicateRecord:
            # Another request registered the same reference between our read and our write.
            async with self._uow_factory() as uow:
                existing = await uow.orders.by_reference(command.store_id, command.reference)
            if existing is None:
                raise
        return RegisteredOrder(order=self._same_order(existing, order), created=False)

    @staticmethod
    def _same_order(existing: Order, wanted: Order) -> Order:
        if not existing.same_as(
            reference=wanted.reference, customer_email=wanted.customer_email, amount=wanted.amount
        ):
            raise OrderReferenceConflict(
                f"order {wanted.reference!r} is already registered with other details"
            )
        return existing
