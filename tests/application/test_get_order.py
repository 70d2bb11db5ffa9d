from __future__ import annotations

import pytest

from domain.errors import DomainError
from domain.order import OrderPaymentStatus, OrderStatus
from domain.store import Store

from .system import DECLINED, System

pytestmark = pytest.mark.anyio


async def test_an_order_is_read_with_its_payment(system: System, store: Store) -> None:
    order = await system.order(store, "A-1")
    made = await system.checkout(store, order)
    await system.pay(made)

    read = await system.use_cases.get_order(store.id, order.id)

    assert read.id == order.id
    assert read.payment_id == made.payment.id
    assert read.payment_status is OrderPaymentStatus.PAID
    assert read.status is OrderStatus.PROCESSING


async def test_a_failed_payment_leaves_the_order_pending_with_a_failed_payment(
    system: System, store: Store
) -> None:
    order = await system.order(store, "A-1")
    made = await system.checkout(store, order)
    await system.pay(made, DECLINED)

    read = await system.use_cases.get_order(store.id, order.id)

    assert read.payment_status is OrderPaymentStatus.FAILED
    assert read.status is OrderStatus.PENDING


async def test_another_stores_order_is_not_found(
    system: System, store: Store, other_store: Store
) -> None:
    order = await system.order(store, "A-1")

    with pytest.raises(DomainError) as refused:
        await system.use_cases.get_order(other_store.id, order.id)

    assert refused.value.code == "not_found"


async def test_an_unknown_order_is_not_found(system: System, store: Store) -> None:
    with pytest.raises(DomainError) as refused:
        await system.use_cases.get_order(store.id, "ord_nobody")

    assert refused.value.code == "not_found"
