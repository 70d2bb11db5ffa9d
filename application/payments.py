"""Saving a payment the one way that keeps the books straight."""

from __future__ import annotations

from application.lookups import require_order
from application.outbox import OutboxWriter
from application.ports import UnitOfWork
from domain.order import Order
from domain.payment import Payment


async def save_payment(
    uow: UnitOfWork, payment: Payment, outbox: OutboxWriter, order: Order | None = None
) -> None:
    """Save a payment with its order's new payment status, its ledger entries and its domain
    events, together. ``order`` is the payment's order when this unit of work has loaded it
    already."""
    if order is None or order.id != payment.order_id or order.store_id != payment.store_id:
        order = await require_order(uow, payment.store_id, payment.order_id)
    order.follow(payment)
    await uow.payments.save(payment)
    await uow.orders.save(order)
    await record_changes(uow, payment, outbox)


async def record_changes(uow: UnitOfWork, payment: Payment, outbox: OutboxWriter) -> None:
    """What the payment recorded since it was loaded: its ledger entries and domain events."""
    await uow.ledger.add(payment.pull_ledger_entries())
    await outbox.write(uow, payment.pull_events())
