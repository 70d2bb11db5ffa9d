from __future__ import annotations

import pytest

from application.use_cases.list_payments import PaymentQuery
from domain.errors import DomainError
from domain.payment import Payment
from domain.store import Store

from .system import DECLINED, SUCCEEDS, System, later

pytestmark = pytest.mark.anyio


async def five_payments(system: System, store: Store) -> list[Payment]:
    """Five payments made a minute apart, oldest first: paid, failed, pending, paid, paid."""
    cards = [SUCCEEDS, DECLINED, None, SUCCEEDS, SUCCEEDS]
    payments = []
    for number, card in enumerate(cards, start=1):
        made = await system.checkout(store, await system.order(store, f"A-{number}"))
        if card is not None:
            await system.pay(made, card)
        payments.append(await system.use_cases.get_payment(store.id, made.payment.id))
        later(system, minutes=1)
    return payments


def ids(payments: list[Payment]) -> list[str]:
    return [payment.id for payment in payments]


async def test_payments_are_listed_newest_first(system: System, store: Store) -> None:
    payments = await five_payments(system, store)

    page = await system.use_cases.list_payments(PaymentQuery(store.id))

    assert ids(page.data) == ids(payments)[::-1]
    assert page.has_more is False


async def test_pages_follow_each_other(system: System, store: Store) -> None:
    payments = await five_payments(system, store)
    newest_first = ids(payments)[::-1]

    first = await system.use_cases.list_payments(PaymentQuery(store.id, limit=2))
    second = await system.use_cases.list_payments(
        PaymentQuery(store.id, limit=2, starting_after=first.data[-1].id)
    )
    third = await system.use_cases.list_payments(
        PaymentQuery(store.id, limit=2, starting_after=second.data[-1].id)
    )

    assert (ids(first.data), first.has_more) == (newest_first[:2], True)
    assert (ids(second.data), second.has_more) == (newest_first[2:4], True)
    assert (ids(third.data), third.has_more) == (newest_first[4:], False)


async def test_a_page_exactly_as_long_as_what_is_left_has_no_more(
    system: System, store: Store
) -> None:
    await five_payments(system, store)

    page = await system.use_cases.list_payments(PaymentQuery(store.id, limit=5))

    assert (len(page.data), page.has_more) == (5, False)


async def test_after_the_oldest_there_is_nothing(system: System, store: Store) -> None:
    payments = await five_payments(system, store)

    page = await system.use_cases.list_payments(
        PaymentQuery(store.id, starting_after=payments[0].id)
    )

    assert (page.data, page.has_more) == ([], False)


async def test_payments_can_be_filtered_by_status(system: System, store: Store) -> None:
    payments = await five_payments(system, store)

    succeeded = await system.use_cases.list_payments(PaymentQuery(store.id, status="succeeded"))
    failed = await system.use_cases.list_payments(PaymentQuery(store.id, status="failed"))
    pending = await system.use_cases.list_payments(PaymentQuery(store.id, status="pending"))
    refunded = await system.use_cases.list_payments(PaymentQuery(store.id, status="refunded"))
    paged = await system.use_cases.list_payments(
        PaymentQuery(store.id, status="succeeded", limit=1, starting_after=payments[4].id)
    )
    after_another_status = await system.use_cases.list_payments(
        PaymentQuery(store.id, status="succeeded", starting_after=payments[2].id)
    )

    assert ids(succeeded.data) == [payments[4].id, payments[3].id, payments[0].id]
    assert ids(failed.data) == [payments[1].id]
    assert ids(pending.data) == [payments[2].id]
    assert refunded.data == []
    assert (ids(paged.data), paged.has_more) == ([payments[3].id], True)
    assert ids(after_another_status.data) == [payments[0].id]


async def test_a_store_lists_only_its_own_payments(
    system: System, store: Store, other_store: Store
) -> None:
    mine = await system.paid_payment(store, "A-1")
    await system.paid_payment(other_store, "B-1")

    page = await system.use_cases.list_payments(PaymentQuery(store.id))

    assert ids(page.data) == [mine.id]


async def test_an_empty_store_has_an_empty_page(system: System, store: Store) -> None:
    page = await system.use_cases.list_payments(PaymentQuery(store.id))

    assert (page.data, page.has_more) == ([], False)


@pytest.mark.parametrize("limit", [1, 100])
async def test_limits_from_one_to_a_hundred_are_accepted(
    system: System, store: Store, limit: int
) -> None:
    await five_payments(system, store)

    page = await system.use_cases.list_payments(PaymentQuery(store.id, limit=limit))

    assert len(page.data) == min(limit, 5)


@pytest.mark.parametrize("limit", [0, -1, 101])
async def test_a_limit_out_of_bounds_is_an_invalid_page(
    system: System, store: Store, limit: int
) -> None:
    with pytest.raises(DomainError) as refused:
        await system.use_cases.list_payments(PaymentQuery(store.id, limit=limit))

    assert refused.value.code == "invalid_page"


@pytest.mark.parametrize("status", ["paid", "SUCCEEDED", ""])
async def test_an_unknown_status_is_an_invalid_page(
    system: System, store: Store, status: str
) -> None:
    with pytest.raises(DomainError) as refused:
        await system.use_cases.list_payments(PaymentQuery(store.id, status=status))

    assert refused.value.code == "invalid_page"


async def test_a_cursor_of_another_store_is_an_invalid_page(
    system: System, store: Store, other_store: Store
) -> None:
    await system.paid_payment(store, "A-1")
    theirs = await system.paid_payment(other_store, "B-1")

    for cursor in (theirs.id, "pay_nobody"):
        with pytest.raises(DomainError) as refused:
            await system.use_cases.list_payments(PaymentQuery(store.id, starting_after=cursor))
        assert refused.value.code == "invalid_page"


async def test_an_unknown_store_is_not_found(system: System) -> None:
    with pytest.raises(DomainError) as refused:
        await system.use_cases.list_payments(PaymentQuery("store_nobody"))

    assert refused.value.code == "not_found"
