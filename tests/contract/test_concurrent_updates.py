"""Two units of work that change the same record: the first commit wins, the other one is
refused with ConcurrentUpdate and stores nothing, on every backend.

The second writer saves only after the first committed, so a backend that locks rows (where the
second would otherwise wait for the first) runs these too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from application.ports import ConcurrentUpdate, InboxStatus, UnitOfWork, UnitOfWorkFactory
from domain.payment import IntentObservation, IntentState, Payment, PaymentStatus
from domain.store import hash_api_key

from .builders import a_card, a_payment, a_store, an_event, an_order, at, given

pytestmark = pytest.mark.anyio


async def test_a_payment_changed_since_it_was_read_is_not_overwritten(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store(), an_order(), a_payment(intent_id="pi_1"))

    async with uow_factory() as first, uow_factory() as second:
        mine = await first.payments.get("store_a", "pay_1")
        theirs = await second.payments.get("store_a", "pay_1")
        assert mine is not None
        assert theirs is not None
        mine.observe_intent(IntentObservation(IntentState.SUCCEEDED, at(1), "ch_1"))
        await first.payments.save(mine)
        await first.commit()

        theirs.observe_intent(IntentObservation(IntentState.FAILED, at(2), failure_reason="x"))
        with pytest.raises(ConcurrentUpdate):
            await save_and_commit(second, theirs)

    async with uow_factory() as uow:
        stored = await uow.payments.get("store_a", "pay_1")
        entries = await uow.ledger.all()
    assert stored is not None
    assert stored.status is PaymentStatus.SUCCEEDED
    assert entries == []


async def save_and_commit(uow: UnitOfWork, payment: Payment) -> None:
    await uow.payments.save(payment)
    await uow.ledger.add(payment.pull_ledger_entries())
    await uow.commit()


Change = Callable[[UnitOfWork, str], Awaitable[None]]


async def rotate_key(uow: UnitOfWork, tag: str) -> None:
    store = await uow.stores.get("store_a")
    assert store is not None
    store.rotate_api_key(hash_api_key(tag))
    await uow.stores.save(store)


async def count_attempt(uow: UnitOfWork, tag: str) -> None:
    order = await uow.orders.get("store_a", "order_1")
    assert order is not None
    order.payment_attempts += 1
    await uow.orders.save(order)


async def flip_default(uow: UnitOfWork, tag: str) -> None:
    card = await uow.payment_methods.get("store_a", "pm_1")
    assert card is not None
    card.is_default = not card.is_default
    await uow.payment_methods.save(card)


async def note_attempt(uow: UnitOfWork, tag: str) -> None:
    event = await uow.inbox.get("evt_1")
    assert event is not None
    event.status = InboxStatus.FAILED
    event.last_error = tag
    await uow.inbox.save(event)


async def change_and_commit(uow: UnitOfWork, change: Change) -> None:
    await change(uow, "second")
    await uow.commit()


@pytest.mark.parametrize("change", [rotate_key, count_attempt, flip_default, note_attempt])
async def test_every_kind_of_record_refuses_a_stale_save(
    uow_factory: UnitOfWorkFactory, change: Change
) -> None:
    await given(uow_factory, a_store(), an_order(), a_card(), an_event())

    async with uow_factory() as first, uow_factory() as second:
        await first.stores.get("store_a")
        await second.stores.get("store_a")
        # both read before either writes: the reads inside ``change`` come from the same state
        await first.orders.get("store_a", "order_1")
        await second.orders.get("store_a", "order_1")
        await first.payment_methods.get("store_a", "pm_1")
        await second.payment_methods.get("store_a", "pm_1")
        await first.inbox.get("evt_1")
        await second.inbox.get("evt_1")
        await change(first, "first")
        await first.commit()
        with pytest.raises(ConcurrentUpdate):
            await change_and_commit(second, change)

    async with uow_factory() as uow:
        store = await uow.stores.get("store_a")
        order = await uow.orders.get("store_a", "order_1")
        card = await uow.payment_methods.get("store_a", "pm_1")
        event = await uow.inbox.get("evt_1")
    assert store is not None
    assert order is not None
    assert card is not None
    assert event is not None
    changed: dict[Change, bool] = {
        rotate_key: store.api_key_hash == hash_api_key("first"),
        count_attempt: order.payment_attempts == 1,
        flip_default: card.is_default is True,
        note_attempt: event.last_error == "first",
    }
    assert changed[change] is True
