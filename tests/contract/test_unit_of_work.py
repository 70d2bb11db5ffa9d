"""The UnitOfWork contract: all of a unit of work's writes are committed together or not at all,
and nobody sees them before the commit."""

from __future__ import annotations

import pytest

from application.ports import DuplicateRecord, InboxStatus, UnitOfWork, UnitOfWorkFactory
from domain.ledger import EntryKind
from domain.payment import IntentObservation, IntentState, PaymentStatus
from domain.store import hash_api_key

from .builders import (
    EMAIL,
    a_card,
    a_payment,
    a_record,
    a_refunded_and_disputed_payment,
    a_store,
    an_entry,
    an_event,
    an_order,
    at,
    given,
    money,
    state,
)

pytestmark = pytest.mark.anyio


class Boom(Exception):
    pass


async def write_one_of_each(uow: UnitOfWork) -> None:
    await uow.stores.add(a_store())
    await uow.orders.add(an_order())
    await uow.payments.add(a_payment(intent_id="pi_1"))
    await uow.customers.add_gateway_customer("store_a", EMAIL, "cus_1")
    await uow.payment_methods.add(a_card())
    assert await uow.inbox.add(an_event())
    await uow.ledger.add([an_entry()])
    await uow.idempotency.add(a_record())


async def what_is_there(uow: UnitOfWork) -> list[object]:
    """One lookup per repository, ``None`` (or empty) for each that holds nothing."""
    store = await uow.stores.get("store_a")
    order = await uow.orders.by_reference("store_a", "ref-order_1")
    payment = await uow.payments.by_intent_id("pi_1")
    page = await uow.payments.page("store_a", limit=10)
    customer = await uow.customers.gateway_customer("store_a", EMAIL)
    methods = await uow.payment_methods.for_customer("store_a", EMAIL)
    event = await uow.inbox.get("evt_1")
    entries = await uow.ledger.for_store("store_a")
    record = await uow.idempotency.get("store_a", "key-1")
    return [
        store and store.id,
        order and order.id,
        payment and payment.id,
        [p.id for p in page.data],
        customer,
        [m.id for m in methods],
        event and event.event_id,
        [e.kind for e in entries],
        record and record.key,
    ]


EVERYTHING: list[object] = [
    "store_a",
    "order_1",
    "pay_1",
    ["pay_1"],
    "cus_1",
    ["pm_1"],
    "evt_1",
    [EntryKind.CHARGE],
    "key-1",
]
NOTHING: list[object] = [None, None, None, [], None, [], None, [], None]


async def seen_afresh(uow_factory: UnitOfWorkFactory) -> list[object]:
    async with uow_factory() as uow:
        return await what_is_there(uow)


async def test_a_commit_makes_every_write_visible(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await write_one_of_each(uow)
        await uow.commit()

    assert await seen_afresh(uow_factory) == EVERYTHING


async def test_leaving_without_a_commit_discards_every_write(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await write_one_of_each(uow)

    assert await seen_afresh(uow_factory) == NOTHING


async def write_and_fail(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await write_one_of_each(uow)
        raise Boom


async def test_an_exception_discards_every_write_and_propagates(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with pytest.raises(Boom):
        await write_and_fail(uow_factory)

    assert await seen_afresh(uow_factory) == NOTHING


async def test_a_rollback_discards_every_write_and_the_unit_of_work_carries_on(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await write_one_of_each(uow)
        await uow.rollback()
        after_rollback = await what_is_there(uow)
        await uow.stores.add(a_store("store_b"))
        await uow.commit()

    async with uow_factory() as uow:
        kept = await uow.stores.get("store_b")
        rolled_back = await what_is_there(uow)

    assert after_rollback == NOTHING
    assert rolled_back == NOTHING
    assert kept is not None


async def test_a_unit_of_work_reads_its_own_writes(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await write_one_of_each(uow)
        own = await what_is_there(uow)

    assert own == EVERYTHING


async def test_writes_are_invisible_to_other_units_of_work_until_committed(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as writer:
        await write_one_of_each(writer)
        async with uow_factory() as reader:
            before_commit = await what_is_there(reader)
        await writer.commit()

    assert before_commit == NOTHING
    assert await seen_afresh(uow_factory) == EVERYTHING


async def test_writes_after_a_commit_need_a_commit_of_their_own(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await uow.stores.add(a_store("store_a"))
        await uow.commit()
        await uow.stores.add(a_store("store_b"))
        await uow.orders.add(an_order("order_1", "store_a"))

    async with uow_factory() as uow:
        first = await uow.stores.get("store_a")
        second = await uow.stores.get("store_b")
        order = await uow.orders.get("store_a", "order_1")

    assert first is not None
    assert (second, order) == (None, None)


async def test_a_refused_write_takes_the_whole_unit_of_work_with_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store("store_a"))

    with pytest.raises(DuplicateRecord):
        await given(
            uow_factory,
            a_store("store_b"),
            an_order("order_b", "store_b"),
            a_store("store_a"),
        )

    async with uow_factory() as uow:
        store = await uow.stores.get("store_b")
        order = await uow.orders.get("store_b", "order_b")
    assert (store, order) == (None, None)


async def test_changing_loaded_aggregates_without_a_commit_changes_nothing(
    uow_factory: UnitOfWorkFactory,
) -> None:
    stored_store = a_store()
    stored_order = an_order()
    stored_payment = a_refunded_and_disputed_payment()
    stored_card = a_card(is_default=True)
    stored_event = an_event()
    await given(uow_factory, stored_store, stored_order, stored_payment, stored_card, stored_event)

    async with uow_factory() as uow:
        store = await uow.stores.get("store_a")
        order = await uow.orders.get("store_a", "order_1")
        payment = await uow.payments.by_intent_id("pi_1")
        card = await uow.payment_methods.get("store_a", "pm_1")
        event = await uow.inbox.get("evt_1")
        assert store is not None
        assert order is not None
        assert payment is not None
        assert card is not None
        assert event is not None
        store.rotate_api_key(hash_api_key("sk_changed"))
        store.connect("acct_changed", at(20))
        store.change_payouts(minimum_payout=money("99.00"))
        order.payment_attempts = 5
        order.follow(payment)
        payment.refunds[0].failure_reason = "changed in place"
        payment.disputes.clear()
        payment.observe_intent(IntentObservation(IntentState.SUCCEEDED, at(30), "ch_later"))
        card.is_default = False
        event.status = InboxStatus.PROCESSED
        event.attempts = 9

    async with uow_factory() as uow:
        store = await uow.stores.get("store_a")
        order = await uow.orders.get("store_a", "order_1")
        payment = await uow.payments.get("store_a", "pay_1")
        card = await uow.payment_methods.get("store_a", "pm_1")
        event = await uow.inbox.get("evt_1")

    assert state(store) == state(stored_store)
    assert state(order) == state(stored_order)
    assert state(payment) == state(stored_payment)
    assert state(card) == state(stored_card)
    assert state(event) == state(stored_event)


async def test_saving_without_a_commit_changes_nothing(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store(), an_order(), a_payment(intent_id="pi_1"))

    async with uow_factory() as uow:
        payment = await uow.payments.by_intent_id("pi_1")
        assert payment is not None
        payment.observe_intent(IntentObservation(IntentState.SUCCEEDED, at(1), "ch_1"))
        await uow.payments.save(payment)
        await uow.ledger.add(payment.pull_ledger_entries())
        saved_but_not_committed = await uow.payments.get("store_a", "pay_1")

    async with uow_factory() as uow:
        after = await uow.payments.get("store_a", "pay_1")
        entries = await uow.ledger.all()

    assert saved_but_not_committed is not None
    assert saved_but_not_committed.status is PaymentStatus.SUCCEEDED
    assert after is not None
    assert after.status is PaymentStatus.PENDING
    assert entries == []


async def test_independent_units_of_work_both_commit(uow_factory: UnitOfWorkFactory) -> None:
    first = uow_factory()
    second = uow_factory()
    async with first, second:
        await first.stores.add(a_store("store_a"))
        await second.stores.add(a_store("store_b"))
        assert await first.stores.get("store_b") is None
        assert await second.stores.get("store_a") is None
        await first.commit()
        await second.commit()

    async with uow_factory() as uow:
        a = await uow.stores.get("store_a")
        b = await uow.stores.get("store_b")
    assert a is not None
    assert b is not None
