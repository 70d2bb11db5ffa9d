"""The EventInbox contract: every gateway event once, and the failed ones for retrying."""

from __future__ import annotations

import pytest

from application.ports import DuplicateRecord, InboxEvent, InboxStatus, UnitOfWorkFactory

from .builders import a_store, an_event, at, given, state

pytestmark = pytest.mark.anyio


def ids(events: list[InboxEvent]) -> list[str]:
    return [event.event_id for event in events]


async def test_a_received_event_comes_back_as_it_was_added(
    uow_factory: UnitOfWorkFactory,
) -> None:
    event = an_event(payload=b'{"id": "evt_1", "amount": 1999}\n')

    async with uow_factory() as uow:
        added = await uow.inbox.add(event)
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.inbox.get("evt_1")
        unknown = await uow.inbox.get("evt_nobody")

    assert added is True
    assert loaded is not None
    assert state(loaded) == state(event)
    assert loaded.payload == b'{"id": "evt_1", "amount": 1999}\n'
    assert loaded.type == "payment_intent.succeeded"
    assert loaded.connect is True
    assert loaded.status is InboxStatus.RECEIVED
    assert (loaded.attempts, loaded.last_error, loaded.processed_at) == (0, None, None)
    assert unknown is None


async def test_a_known_event_is_not_added_again(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, an_event(payload=b"first"))

    async with uow_factory() as uow:
        again = await uow.inbox.add(an_event(payload=b"second", minute=5))
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.inbox.get("evt_1")

    assert again is False
    assert loaded is not None
    assert (loaded.payload, loaded.received_at) == (b"first", at(0))


async def test_an_event_added_twice_in_one_unit_of_work_is_added_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        first = await uow.inbox.add(an_event(payload=b"first"))
        second = await uow.inbox.add(an_event(payload=b"second"))
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.inbox.get("evt_1")

    assert (first, second) == (True, False)
    assert loaded is not None
    assert loaded.payload == b"first"


async def test_a_handled_event_keeps_its_outcome(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, an_event())

    async with uow_factory() as uow:
        event = await uow.inbox.get("evt_1")
        assert event is not None
        event.status = InboxStatus.PROCESSED
        event.attempts = 3
        event.last_error = "gateway timeout"
        event.processed_at = at(7)
        await uow.inbox.save(event)
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.inbox.get("evt_1")

    assert loaded is not None
    assert state(loaded) == state(event)
    assert loaded.status is InboxStatus.PROCESSED
    assert (loaded.attempts, loaded.last_error, loaded.processed_at) == (
        3,
        "gateway timeout",
        at(7),
    )


async def test_failed_events_are_listed_oldest_first(uow_factory: UnitOfWorkFactory) -> None:
    await given(
        uow_factory,
        an_event("evt_late", minute=9, status=InboxStatus.FAILED),
        an_event("evt_processed", minute=0, status=InboxStatus.PROCESSED),
        an_event("evt_b", minute=3, status=InboxStatus.FAILED),
        an_event("evt_ignored", minute=1, status=InboxStatus.IGNORED),
        an_event("evt_a", minute=3, status=InboxStatus.FAILED),
        an_event("evt_early", minute=2, status=InboxStatus.FAILED),
        an_event("evt_received", minute=1),
    )

    async with uow_factory() as uow:
        failed = await uow.inbox.failed(limit=10)
        first_two = await uow.inbox.failed(limit=2)

    assert ids(failed) == ["evt_early", "evt_a", "evt_b", "evt_late"]
    assert [(event.attempts, event.last_error) for event in failed] == [(2, "payment locked")] * 4
    assert ids(first_two) == ["evt_early", "evt_a"]


async def test_failed_events_are_counted(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.inbox.count_failed() == 0
    await given(
        uow_factory,
        an_event("evt_1", status=InboxStatus.FAILED),
        an_event("evt_2", status=InboxStatus.PROCESSED),
        an_event("evt_3", status=InboxStatus.FAILED),
        an_event("evt_4", status=InboxStatus.IGNORED),
        an_event("evt_5"),
    )

    async with uow_factory() as uow:
        assert await uow.inbox.count_failed() == 2
        recovered = await uow.inbox.get("evt_1")
        assert recovered is not None
        recovered.status = InboxStatus.PROCESSED
        await uow.inbox.save(recovered)
        assert await uow.inbox.count_failed() == 1


async def test_a_claimed_event_is_stored_by_the_commit(uow_factory: UnitOfWorkFactory) -> None:
    event = an_event(status=InboxStatus.PROCESSED)

    async with uow_factory() as uow:
        await uow.inbox.claim(event)
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.inbox.get("evt_1")

    assert loaded is not None
    assert state(loaded) == state(event)


async def test_claiming_a_known_event_fails_the_unit_of_work_and_stores_none_of_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(uow_factory, an_event(payload=b"first"))

    async def claim_with_others() -> None:
        async with uow_factory() as uow:
            await uow.stores.add(a_store())
            await uow.inbox.claim(an_event("evt_2"))
            await uow.inbox.claim(an_event(payload=b"second", minute=5))
            await uow.commit()

    with pytest.raises(DuplicateRecord):
        await claim_with_others()
    async with uow_factory() as uow:
        loaded = await uow.inbox.get("evt_1")
        other = await uow.inbox.get("evt_2")
        store = await uow.stores.get("store_a")

    assert loaded is not None
    assert (loaded.payload, loaded.received_at) == (b"first", at(0))
    assert (other, store) == (None, None)


async def test_of_two_claims_of_one_new_event_the_first_commit_wins(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as first, uow_factory() as second:
        await first.inbox.claim(an_event(payload=b"first"))
        await second.inbox.claim(an_event(payload=b"second"))
        await first.commit()
        with pytest.raises(DuplicateRecord):
            await second.commit()
    async with uow_factory() as uow:
        loaded = await uow.inbox.get("evt_1")

    assert loaded is not None
    assert loaded.payload == b"first"
