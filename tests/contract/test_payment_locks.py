"""A payment read by its intent with ``lock=True`` is its unit of work's until that one ends, on
every backend: another unit of work that reads it so, or commits a change to it, waits until
then, and reads (or is checked against) what the first committed. Read without ``lock``, it is
any record: nothing waits, and a stale save is refused.

The webhook's own shape of unit of work (the payment read by its intent, saved with its order
and ledger entries, the event claimed with them: one statement on PostgreSQL) still fails with
the port's errors: ``ConcurrentUpdate`` for a payment changed meanwhile, ``DuplicateRecord``
for an event claimed before, and stores nothing.
"""

from __future__ import annotations

import asyncio

import pytest

from application.ports import ConcurrentUpdate, DuplicateRecord, UnitOfWork, UnitOfWorkFactory
from domain.payment import IntentObservation, IntentState, Payment, PaymentStatus

from .builders import a_payment, a_store, an_event, an_order, at, given

pytestmark = pytest.mark.anyio

# Long enough for a read or a commit that does not wait to be done (a few milliseconds here).
NOT_DONE_AFTER = 0.3


def succeeded(payment: Payment, minute: int = 1) -> Payment:
    payment.observe_intent(IntentObservation(IntentState.SUCCEEDED, at(minute), "ch_1"))
    return payment


async def save_with_order_and_entries(uow: UnitOfWork, payment: Payment) -> None:
    order = await uow.orders.get(payment.store_id, payment.order_id)
    assert order is not None
    order.follow(payment)
    await uow.payments.save(payment)
    await uow.orders.save(order)
    await uow.ledger.add(payment.pull_ledger_entries())


@pytest.fixture
async def paying(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """Units of work on a store with an order and its payment of the intent ``pi_1``."""
    await given(uow_factory, a_store(), an_order(), a_payment(intent_id="pi_1"))
    return uow_factory


async def stored(uow_factory: UnitOfWorkFactory) -> tuple[PaymentStatus, int]:
    """The payment's status, and how many ledger entries there are."""
    async with uow_factory() as uow:
        payment = await uow.payments.get("store_a", "pay_1")
        entries = await uow.ledger.all()
    assert payment is not None
    return payment.status, len(entries)


async def test_a_locking_read_waits_for_the_unit_of_work_that_locked_the_payment(
    paying: UnitOfWorkFactory,
) -> None:
    async with paying() as first, paying() as second:
        mine = await first.payments.by_intent_id("pi_1", lock=True)
        assert mine is not None
        theirs = asyncio.create_task(second.payments.by_intent_id("pi_1", lock=True))
        await asyncio.sleep(NOT_DONE_AFTER)
        assert not theirs.done()
        await save_with_order_and_entries(first, succeeded(mine))
        await first.commit()

        after = await asyncio.wait_for(theirs, timeout=10)
        assert after is not None
        assert after.status is PaymentStatus.SUCCEEDED  # what the first committed
        await save_with_order_and_entries(second, after)
        await second.commit()  # checked against what it read: nothing changed it since

    assert await stored(paying) == (PaymentStatus.SUCCEEDED, 2)


async def test_a_commit_that_changes_a_locked_payment_waits_then_is_refused(
    paying: UnitOfWorkFactory,
) -> None:
    async with paying() as first, paying() as second:
        mine = await first.payments.by_intent_id("pi_1", lock=True)
        theirs = await second.payments.by_intent_id("pi_1")  # not locking: no wait
        assert mine is not None
        assert theirs is not None
        theirs.observe_intent(IntentObservation(IntentState.FAILED, at(2), failure_reason="x"))
        await save_with_order_and_entries(second, theirs)
        committing = asyncio.create_task(second.commit())
        await asyncio.sleep(NOT_DONE_AFTER)
        assert not committing.done()
        await save_with_order_and_entries(first, succeeded(mine))
        await first.commit()
        with pytest.raises(ConcurrentUpdate):
            await asyncio.wait_for(committing, timeout=10)

    assert await stored(paying) == (PaymentStatus.SUCCEEDED, 2)


async def test_a_payment_changed_since_the_webhook_read_it_is_a_concurrent_update(
    paying: UnitOfWorkFactory,
) -> None:
    async with paying() as webhook:
        await webhook.inbox.claim(an_event("evt_1"))
        payment = await webhook.payments.by_intent_id("pi_1")
        assert payment is not None
        async with paying() as other:
            changed = await other.payments.by_intent_id("pi_1")
            assert changed is not None
            changed.observe_intent(IntentObservation(IntentState.FAILED, at(2), failure_reason="x"))
            await save_with_order_and_entries(other, changed)
            await other.commit()
        await save_with_order_and_entries(webhook, succeeded(payment))
        with pytest.raises(ConcurrentUpdate):
            await webhook.commit()

    assert await stored(paying) == (PaymentStatus.FAILED, 0)
    async with paying() as uow:
        assert await uow.inbox.get("evt_1") is None


async def test_an_event_claimed_before_is_a_duplicate_record_and_nothing_is_stored(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store(), an_order(), a_payment(intent_id="pi_1"), an_event())

    async def claim_and_apply() -> None:
        async with uow_factory() as webhook:
            await webhook.inbox.claim(an_event(payload=b"again", minute=5))
            payment = await webhook.payments.by_intent_id("pi_1")
            assert payment is not None
            await save_with_order_and_entries(webhook, succeeded(payment))
            await webhook.commit()

    with pytest.raises(DuplicateRecord):  # at the claim, or at the latest the commit
        await claim_and_apply()

    assert await stored(uow_factory) == (PaymentStatus.PENDING, 0)
