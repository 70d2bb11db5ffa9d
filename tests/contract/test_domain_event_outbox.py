"""The DomainEventOutbox contract: events committed with the unit of work that added them, or not
at all; handed out in the order they were added until they are marked relayed; purged once
relayed long enough ago."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from application.ports import (
    ConcurrentUpdate,
    DuplicateRecord,
    OutboxEvent,
    UnitOfWork,
    UnitOfWorkFactory,
)
from domain.store import Store, hash_api_key

from .builders import a_store, at, given, state

pytestmark = pytest.mark.anyio


def an_outbox_event(
    event_id: str, *, minute: float = 0, type_: str = "payment.succeeded", store_id: str = "store_a"
) -> OutboxEvent:
    return OutboxEvent(
        id=event_id,
        type=type_,
        store_id=store_id,
        occurred_at=at(minute),
        payload={
            "payment_id": "pay_1",
            "order_id": "ord_1",
            "amount": {"amount": 1999, "currency": "EUR"},
            "platform_fee": {"amount": 50, "currency": "EUR"},
            "reason": None,
            "note": "Café « crème »",
            "refunds": [{"amount": 1000, "currency": "JPY"}],
            "disputed": False,
        },
        created_at=at(minute + 0.5),
    )


# Ids made in the same millisecond have no order of their own: the outbox keeps the order of
# adding, whatever the ids.
FIRST = an_outbox_event("ev_c", minute=1)
SECOND = an_outbox_event("ev_a", minute=2, type_="payment.status_changed")
THIRD = an_outbox_event("ev_b", minute=3, type_="refund.requested", store_id="store_b")


def ids(events: list[OutboxEvent]) -> list[str]:
    return [event.id for event in events]


async def add_and_commit(uow: UnitOfWork, events: list[OutboxEvent]) -> None:
    await uow.outbox.add(events)
    await uow.commit()


async def save_with_events(uow: UnitOfWork, store: Store, events: list[OutboxEvent]) -> None:
    await uow.stores.save(store)
    await add_and_commit(uow, events)


async def an_outbox(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store("store_a"), a_store("store_b"))
    async with uow_factory() as uow:
        await uow.outbox.add([FIRST, SECOND])
        await uow.commit()
    async with uow_factory() as uow:
        await uow.outbox.add([THIRD])
        await uow.commit()


async def test_committed_events_come_back_as_added_in_the_order_added(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await an_outbox(uow_factory)

    async with uow_factory() as uow:
        unrelayed = await uow.outbox.unrelayed(10)

    assert ids(unrelayed) == ["ev_c", "ev_a", "ev_b"]
    assert [state(event) for event in unrelayed] == [state(e) for e in (FIRST, SECOND, THIRD)]
    assert unrelayed == [FIRST, SECOND, THIRD]
    assert unrelayed[0].payload["amount"] == {"amount": 1999, "currency": "EUR"}
    assert type(unrelayed[0].payload["disputed"]) is bool
    assert unrelayed[0].relayed_at is None


async def test_a_batch_is_the_oldest_events_up_to_the_limit(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await an_outbox(uow_factory)

    async with uow_factory() as uow:
        two = await uow.outbox.unrelayed(2)
        none = await uow.outbox.unrelayed(0)

    assert ids(two) == ["ev_c", "ev_a"]
    assert none == []


async def test_a_unit_of_work_reads_the_events_it_added_after_the_committed_ones(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await an_outbox(uow_factory)

    async with uow_factory() as uow:
        await uow.outbox.add([an_outbox_event("ev_0", minute=4)])
        mine = await uow.outbox.unrelayed(10)
    async with uow_factory() as uow:
        after = await uow.outbox.unrelayed(10)

    assert ids(mine) == ["ev_c", "ev_a", "ev_b", "ev_0"]
    assert ids(after) == ["ev_c", "ev_a", "ev_b"]  # never committed


async def test_events_rolled_back_are_not_there(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store())

    async with uow_factory() as uow:
        await uow.outbox.add([FIRST, SECOND])
        await uow.rollback()
    async with uow_factory() as uow:
        await uow.outbox.add([THIRD])  # left without committing
    async with uow_factory() as uow:
        unrelayed = await uow.outbox.unrelayed(10)

    assert unrelayed == []


async def test_events_of_a_change_refused_at_the_commit_are_not_there(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store())

    async with uow_factory() as first, uow_factory() as second:
        mine = await first.stores.get("store_a")
        theirs = await second.stores.get("store_a")
        assert mine is not None
        assert theirs is not None
        mine.api_key_hash = hash_api_key("sk_first")
        await first.stores.save(mine)
        await first.commit()

        theirs.api_key_hash = hash_api_key("sk_second")
        with pytest.raises(ConcurrentUpdate):
            await save_with_events(second, theirs, [FIRST])

    async with uow_factory() as uow:
        unrelayed = await uow.outbox.unrelayed(10)
    assert unrelayed == []


async def test_an_event_id_is_added_once(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store())
    async with uow_factory() as uow:
        await uow.outbox.add([FIRST])
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(DuplicateRecord):
            await add_and_commit(uow, [replace(FIRST, type="payment.failed")])
    async with uow_factory() as uow:
        unrelayed = await uow.outbox.unrelayed(10)

    assert unrelayed == [FIRST]


async def test_relayed_events_are_handed_out_no_more(uow_factory: UnitOfWorkFactory) -> None:
    await an_outbox(uow_factory)

    async with uow_factory() as uow:
        await uow.outbox.mark_relayed(["ev_c", "ev_b"], at(10))
        await uow.commit()
    async with uow_factory() as uow:
        unrelayed = await uow.outbox.unrelayed(10)

    assert unrelayed == [SECOND]


async def test_relaying_rolled_back_leaves_the_events_to_relay(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await an_outbox(uow_factory)

    async with uow_factory() as uow:
        await uow.outbox.mark_relayed(["ev_c", "ev_a", "ev_b"], at(10))
        await uow.rollback()
    async with uow_factory() as uow:
        unrelayed = await uow.outbox.unrelayed(10)

    assert ids(unrelayed) == ["ev_c", "ev_a", "ev_b"]


async def test_relayed_events_are_purged_by_the_time_they_were_relayed(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await an_outbox(uow_factory)
    async with uow_factory() as uow:
        await uow.outbox.mark_relayed(["ev_c"], at(10))
        await uow.commit()
    async with uow_factory() as uow:
        await uow.outbox.mark_relayed(["ev_c", "ev_a", "ev_unknown"], at(20))  # ev_c: again
        await uow.commit()

    async with uow_factory() as uow:
        too_early = await uow.outbox.remove_relayed(at(10))
        await uow.commit()
    async with uow_factory() as uow:
        first = await uow.outbox.remove_relayed(at(10) + timedelta(microseconds=1))
        await uow.commit()
    async with uow_factory() as uow:
        second = await uow.outbox.remove_relayed(at(10_000))  # even the unrelayed are old now
        await uow.commit()
    async with uow_factory() as uow:
        gone = await uow.outbox.remove_relayed(at(10_000))
        unrelayed = await uow.outbox.unrelayed(10)

    # ev_c kept the time it was first relayed: the cutoff just after it removes it alone.
    assert (too_early, first, second, gone) == (0, 1, 1, 0)
    assert unrelayed == [THIRD]


async def test_a_purge_rolled_back_removes_nothing(uow_factory: UnitOfWorkFactory) -> None:
    await an_outbox(uow_factory)
    async with uow_factory() as uow:
        await uow.outbox.mark_relayed(["ev_c", "ev_a", "ev_b"], at(10))
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.outbox.remove_relayed(at(11)) == 3
        await uow.rollback()
    async with uow_factory() as uow:
        assert await uow.outbox.remove_relayed(at(11)) == 3
        await uow.commit()
