"""The OrderRepository contract."""

from __future__ import annotations

import pytest

from application.ports import DuplicateRecord, UnitOfWorkFactory
from domain.order import OrderPaymentStatus, OrderStatus
from domain.payment import PaymentStatus

from .builders import EMAIL, T0, a_payment, a_store, an_order, given, in_status, money, state

pytestmark = pytest.mark.anyio


async def test_an_order_comes_back_as_it_was_added(uow_factory: UnitOfWorkFactory) -> None:
    order = an_order(total="1000", currency="JPY", reference="A-1001")
    await given(uow_factory, a_store(), order)

    async with uow_factory() as uow:
        loaded = await uow.orders.get("store_a", "order_1")

    assert loaded is not None
    assert state(loaded) == state(order)
    assert loaded.amount == money("1000", "JPY")
    assert loaded.reference == "A-1001"
    assert loaded.customer_email == EMAIL
    assert loaded.created_at == T0
    assert loaded.status is OrderStatus.PENDING
    assert loaded.payment_status is OrderPaymentStatus.PENDING
    assert loaded.payment_id is None
    assert loaded.payment_attempts == 0


async def test_a_saved_order_keeps_its_payment_status(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store(), an_order())
    paid = in_status(a_payment(), PaymentStatus.SUCCEEDED)

    async with uow_factory() as uow:
        order = await uow.orders.get("store_a", "order_1")
        assert order is not None
        order.follow(paid)
        order.payment_attempts = 2
        await uow.orders.save(order)
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.orders.get("store_a", "order_1")

    assert loaded is not None
    assert state(loaded) == state(order)
    assert loaded.status is OrderStatus.PROCESSING
    assert loaded.payment_status is OrderPaymentStatus.PAID
    assert loaded.payment_id == "pay_1"
    assert loaded.payment_attempts == 2


async def test_a_change_undone_before_the_commit_is_not_stored(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store(), an_order())

    async with uow_factory() as uow:
        order = await uow.orders.get("store_a", "order_1")
        assert order is not None
        order.payment_attempts = 2
        await uow.orders.save(order)
        order.payment_attempts = 0
        await uow.orders.save(order)
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.orders.get("store_a", "order_1")

    assert loaded is not None
    assert loaded.payment_attempts == 0


async def test_an_order_is_found_by_its_store_s_reference(uow_factory: UnitOfWorkFactory) -> None:
    await given(
        uow_factory,
        a_store("store_a"),
        a_store("store_b"),
        an_order("order_a", "store_a", reference="ORD-7"),
        an_order("order_b", "store_b", reference="ORD-7"),
    )

    async with uow_factory() as uow:
        of_a = await uow.orders.by_reference("store_a", "ORD-7")
        of_b = await uow.orders.by_reference("store_b", "ORD-7")
        unknown = await uow.orders.by_reference("store_a", "ORD-8")

    assert of_a is not None
    assert of_a.id == "order_a"
    assert of_b is not None
    assert of_b.id == "order_b"
    assert unknown is None


async def test_another_store_s_order_is_not_found(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store("store_a"), a_store("store_b"), an_order("order_a", "store_a"))

    async with uow_factory() as uow:
        by_id = await uow.orders.get("store_b", "order_a")
        by_reference = await uow.orders.by_reference("store_b", "ref-order_a")
        unknown = await uow.orders.get("store_a", "order_nobody")

    assert (by_id, by_reference, unknown) == (None, None, None)


async def test_a_reference_is_unique_within_a_store(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store(), an_order("order_1", reference="ORD-7"))

    with pytest.raises(DuplicateRecord):
        await given(uow_factory, an_order("order_2", reference="ORD-7", total="5.00"))

    async with uow_factory() as uow:
        kept = await uow.orders.by_reference("store_a", "ORD-7")
        refused = await uow.orders.get("store_a", "order_2")
    assert kept is not None
    assert kept.id == "order_1"
    assert kept.amount == money("100.00")
    assert refused is None


async def test_an_order_id_is_unique(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store(), an_order("order_1", reference="ORD-1"))

    with pytest.raises(DuplicateRecord):
        await given(uow_factory, an_order("order_1", reference="ORD-2"))

    async with uow_factory() as uow:
        assert await uow.orders.by_reference("store_a", "ORD-2") is None
