"""Loading what a use case needs; absent and not the caller's are the same ``NotFound``."""

from __future__ import annotations

from application.errors import NotFound
from application.ports import UnitOfWork
from domain.order import Order
from domain.payment import Payment
from domain.store import Store


async def require_store(uow: UnitOfWork, store_id: str) -> Store:
    store = await uow.stores.get(store_id)
    if store is None:
        raise NotFound("no such store")
    return store


async def require_order(uow: UnitOfWork, store_id: str, order_id: str) -> Order:
    order = await uow.orders.get(store_id, order_id)
    if order is None:
        raise NotFound("no such order")
    return order


async def require_payment(uow: UnitOfWork, store_id: str, payment_id: str) -> Payment:
    payment = await uow.payments.get(store_id, payment_id)
    if payment is None:
        raise NotFound("no such payment")
    return payment
