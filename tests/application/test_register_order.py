from __future__ import annotations

import anyio
import pytest

from application.use_cases.register_order import NewOrder, RegisteredOrder
from domain.errors import DomainError
from domain.money import Money
from domain.order import OrderPaymentStatus, OrderStatus

from .system import T0, System

pytestmark = pytest.mark.anyio


async def test_an_order_is_registered_pending(system: System) -> None:
    store = (await system.open_store()).store

    registered = await system.use_cases.register_order(
        NewOrder(store.id, "A-1001", " Shopper@Example.LU ", 1999, "eur")
    )

    order = registered.order
    assert registered.created is True
    assert order.id == "ord_0001"
    assert order.store_id == store.id
    assert order.reference == "A-1001"
    assert order.customer_email == "shopper@example.lu"
    assert order.amount == Money.of(1999, "EUR")
    assert order.created_at == T0
    assert order.status is OrderStatus.PENDING
    assert order.payment_status is OrderPaymentStatus.PENDING
    assert order.payment_id is None
    assert (await system.use_cases.get_order(store.id, order.id)).reference == "A-1001"


async def test_the_same_details_again_return_the_same_order(system: System) -> None:
    store = (await system.open_store()).store
    first = await system.use_cases.register_order(
        NewOrder(store.id, "A-1001", "shopper@example.lu", 1999, "EUR")
    )
    before = system.stored()

    again = await system.use_cases.register_order(
        NewOrder(store.id, "A-1001", "SHOPPER@example.lu", 1999, "eur")
    )

    assert again.created is False
    assert again.order.id == first.order.id
    assert system.stored() == before


@pytest.mark.parametrize(
    "conflicting",
    [
        NewOrder("", "A-1001", "shopper@example.lu", 2000, "EUR"),
        NewOrder("", "A-1001", "other@example.lu", 1999, "EUR"),
        NewOrder("", "A-1001", "shopper@example.lu", 1999, "USD"),
    ],
)
async def test_the_same_reference_with_other_details_conflicts(
    system: System, conflicting: NewOrder
) -> None:
    store = (await system.open_store()).store
    await system.use_cases.register_order(
        NewOrder(store.id, "A-1001", "shopper@example.lu", 1999, "EUR")
    )
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await system.use_cases.register_order(
            NewOrder(
                store.id,
                conflicting.reference,
                conflicting.customer_email,
                conflicting.amount,
                conflicting.currency,
            )
        )

    assert refused.value.code == "order_reference_conflict"
    assert system.stored() == before


async def test_references_are_per_store(system: System) -> None:
    kiosk = (await system.open_store("Kiosk")).store
    bakery = (await system.open_store("Bakery")).store

    first = await system.use_cases.register_order(
        NewOrder(kiosk.id, "A-1", "shopper@example.lu", 1999, "EUR")
    )
    second = await system.use_cases.register_order(
        NewOrder(bakery.id, "A-1", "other@example.lu", 500, "EUR")
    )

    assert second.created is True
    assert first.order.id != second.order.id


async def test_concurrent_registrations_of_one_reference_give_one_order(
    overlapping: System,
) -> None:
    system = overlapping
    store = (await system.open_store()).store
    results: list[RegisteredOrder] = []

    async def register() -> None:
        results.append(
            await system.use_cases.register_order(
                NewOrder(store.id, "A-1", "shopper@example.lu", 1999, "EUR")
            )
        )

    async with anyio.create_task_group() as group:
        for _ in range(3):
            group.start_soon(register)

    assert sorted(result.created for result in results) == [False, False, True]
    assert {result.order.id for result in results} == {results[0].order.id}
    assert len(system.memory.database.orders.rows) == 1


@pytest.mark.parametrize(
    ("amount", "currency", "stored"),
    [
        (1000, "JPY", Money.of(1000, "JPY")),
        (50, "JPY", Money.of(50, "JPY")),
        (1500, "KWD", Money.of(1500, "KWD")),
        (10, "KWD", Money.of(10, "KWD")),
        (50, "EUR", Money.of(50, "EUR")),
        (99_999_999, "EUR", Money.of(99_999_999, "EUR")),
    ],
)
async def test_amounts_are_minor_units_of_their_currency(
    system: System, amount: int, currency: str, stored: Money
) -> None:
    store = (await system.open_store(currency=currency)).store

    registered = await system.use_cases.register_order(
        NewOrder(store.id, "A-1", "shopper@example.lu", amount, currency)
    )

    assert registered.order.amount == stored


@pytest.mark.parametrize(
    ("reference", "email", "amount", "currency", "code"),
    [
        ("A-1", "shopper@example.lu", 0, "EUR", "invalid_amount"),
        ("A-1", "shopper@example.lu", -1999, "EUR", "invalid_amount"),
        ("A-1", "shopper@example.lu", 49, "EUR", "amount_too_small"),
        ("A-1", "shopper@example.lu", 49, "JPY", "amount_too_small"),
        ("A-1", "shopper@example.lu", 100_000_000, "EUR", "amount_too_large"),
        ("A-1", "shopper@example.lu", 1505, "KWD", "invalid_amount"),
        ("A-1", "shopper@example.lu", 1, "KWD", "invalid_amount"),
        ("A-1", "shopper@example.lu", 1999, "XYZ", "unknown_currency"),
        ("A-1", "shopper@example.lu", 1999, "", "unknown_currency"),
        ("A-1", "shopper", 1999, "EUR", "invalid_email"),
        ("A-1", "", 1999, "EUR", "invalid_email"),
        ("", "shopper@example.lu", 1999, "EUR", "invalid_order"),
        (" A-1", "shopper@example.lu", 1999, "EUR", "invalid_order"),
        ("A-1 ", "shopper@example.lu", 1999, "EUR", "invalid_order"),
        ("A" * 101, "shopper@example.lu", 1999, "EUR", "invalid_order"),
        ("A-\n1", "shopper@example.lu", 1999, "EUR", "invalid_order"),
    ],
)
async def test_invalid_orders_are_refused_and_nothing_is_stored(
    system: System, reference: str, email: str, amount: int, currency: str, code: str
) -> None:
    store = (await system.open_store()).store
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await system.use_cases.register_order(
            NewOrder(store.id, reference, email, amount, currency)
        )

    assert refused.value.code == code
    assert system.stored() == before


async def test_an_amount_that_is_not_an_integer_is_refused(system: System) -> None:
    store = (await system.open_store()).store
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await system.use_cases.register_order(
            NewOrder(store.id, "A-1", "shopper@example.lu", 19.99, "EUR")  # type: ignore[arg-type]
        )

    assert refused.value.code == "invalid_amount"
    assert system.stored() == before


async def test_a_reference_of_a_hundred_printable_characters_is_accepted(system: System) -> None:
    store = (await system.open_store()).store
    reference = "A" + " #-/" * 24 + "Z" + "9" * 2

    registered = await system.use_cases.register_order(
        NewOrder(store.id, reference, "shopper@example.lu", 1999, "EUR")
    )

    assert len(reference) == 100
    assert registered.order.reference == reference


async def test_an_unknown_store_is_not_found(system: System) -> None:
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await system.use_cases.register_order(
            NewOrder("store_nobody", "A-1", "shopper@example.lu", 1999, "EUR")
        )

    assert refused.value.code == "not_found"
    assert system.stored() == before
