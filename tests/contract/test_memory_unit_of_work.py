"""What the memory adapter adds to the contract: its rule for conflicting writes.

Two units of work that change the same row: the first to commit wins, the second commit raises
ConcurrentUpdate and commits nothing. The SQL adapters follow the same rule with version columns
(tests/contract/test_concurrent_updates.py); these tests pin down the memory adapter's details.
"""

from __future__ import annotations

import pytest

from adapters.memory import (
    ConcurrentUpdate,
    DuplicateRecord,
    MemoryDatabase,
    MemoryUnitOfWorkFactory,
    MissingRecord,
)
from application.ports import UnitOfWorkFactory
from domain.ledger import EntryKind
from domain.payment import IntentObservation, IntentState, PaymentStatus
from domain.store import Store, hash_api_key

from .builders import (
    a_card,
    a_payment,
    a_store,
    an_entry,
    an_event,
    an_order,
    at,
    given,
    money,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def uow_factory() -> MemoryUnitOfWorkFactory:
    return MemoryUnitOfWorkFactory()


def test_the_factory_is_a_unit_of_work_factory() -> None:
    factory: UnitOfWorkFactory = MemoryUnitOfWorkFactory()

    assert factory() is not factory()


async def test_factories_on_one_database_share_what_is_committed() -> None:
    database = MemoryDatabase()
    await given(MemoryUnitOfWorkFactory(database), a_store())

    async with MemoryUnitOfWorkFactory(database)() as uow:
        shared = await uow.stores.get("store_a")
    async with MemoryUnitOfWorkFactory()() as uow:
        elsewhere = await uow.stores.get("store_a")

    assert shared is not None
    assert elsewhere is None


async def test_the_first_commit_wins_and_the_second_commits_nothing(
    uow_factory: MemoryUnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store(), an_order(), a_payment(intent_id="pi_1"))
    first, second = uow_factory(), uow_factory()

    async with first, second:
        by_first = await first.payments.by_intent_id("pi_1")
        by_second = await second.payments.by_intent_id("pi_1")
        assert by_first is not None
        assert by_second is not None
        by_first.observe_intent(IntentObservation(IntentState.FAILED, at(1), None, "declined"))
        by_second.observe_intent(IntentObservation(IntentState.SUCCEEDED, at(2), "ch_1"))
        await first.payments.save(by_first)
        await first.commit()
        await second.payments.save(by_second)
        await second.ledger.add(by_second.pull_ledger_entries())
        await second.stores.add(a_store("store_b"))
        with pytest.raises(ConcurrentUpdate):
            await second.commit()

    async with uow_factory() as uow:
        payment = await uow.payments.get("store_a", "pay_1")
        entries = await uow.ledger.all()
        store_b = await uow.stores.get("store_b")

    assert payment is not None
    assert payment.status is PaymentStatus.FAILED
    assert (entries, store_b) == ([], None)


async def test_a_refused_commit_leaves_the_unit_of_work_usable(
    uow_factory: MemoryUnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store())

    async with uow_factory() as slow:
        store = await slow.stores.get("store_a")
        assert store is not None
        await given(uow_factory, an_order())
        async with uow_factory() as fast:
            rotated = await fast.stores.get("store_a")
            assert rotated is not None
            rotated.rotate_api_key(hash_api_key("sk_fast"))
            await fast.stores.save(rotated)
            await fast.commit()
        store.rotate_api_key(hash_api_key("sk_slow"))
        await slow.stores.save(store)
        with pytest.raises(ConcurrentUpdate):
            await slow.commit()
        fresh = await slow.stores.get("store_a")
        assert fresh is not None
        fresh.change_payouts(minimum_payout=money("10.00"))
        await slow.stores.save(fresh)
        await slow.commit()

    async with uow_factory() as uow:
        final = await uow.stores.get("store_a")
    assert final is not None
    assert final.api_key_hash == hash_api_key("sk_fast")
    assert final.payout_settings.minimum_payout == money("10.00")


async def test_reading_a_row_another_unit_of_work_changes_is_no_conflict(
    uow_factory: MemoryUnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store("store_a"), a_store("store_b"))

    async with uow_factory() as first, uow_factory() as second:
        read_only = await first.stores.get("store_a")
        changed = await second.stores.get("store_a")
        other = await first.stores.get("store_b")
        assert read_only is not None
        assert changed is not None
        assert other is not None
        changed.rotate_api_key(hash_api_key("sk_new_a"))
        await second.stores.save(changed)
        await second.commit()
        other.rotate_api_key(hash_api_key("sk_new_b"))
        await first.stores.save(other)
        await first.commit()

    async with uow_factory() as uow:
        a = await uow.stores.get("store_a")
        b = await uow.stores.get("store_b")
    assert a is not None
    assert b is not None
    assert (a.api_key_hash, b.api_key_hash) == (hash_api_key("sk_new_a"), hash_api_key("sk_new_b"))


async def test_ledger_entries_of_concurrent_units_of_work_are_all_kept(
    uow_factory: MemoryUnitOfWorkFactory,
) -> None:
    async with uow_factory() as first, uow_factory() as second:
        await first.ledger.add([an_entry(EntryKind.CHARGE)])
        await second.ledger.add([an_entry(EntryKind.PLATFORM_FEE, money("2.50"))])
        await second.commit()
        await first.commit()

    async with uow_factory() as uow:
        kinds = [entry.kind for entry in await uow.ledger.all()]
    assert kinds == [EntryKind.PLATFORM_FEE, EntryKind.CHARGE]


def store_with_key(store_id: str, api_key: str) -> Store:
    store = a_store(store_id)
    store.rotate_api_key(hash_api_key(api_key))
    return store


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(store_with_key("store_a", "sk_1"), store_with_key("store_a", "sk_2"), id="id"),
        pytest.param(
            store_with_key("store_a", "sk_1"), store_with_key("store_b", "sk_1"), id="api key"
        ),
    ],
)
async def test_a_unique_key_taken_by_a_concurrent_commit_is_refused(
    uow_factory: MemoryUnitOfWorkFactory, first: Store, second: Store
) -> None:
    async with uow_factory() as slow:
        await slow.stores.add(second)
        await given(uow_factory, first)
        with pytest.raises(DuplicateRecord):
            await slow.commit()

    async with uow_factory() as uow:
        kept = await uow.stores.by_api_key_hash(first.api_key_hash)
        refused = await uow.stores.by_api_key_hash(second.api_key_hash)
    assert kept is not None
    assert kept.id == first.id
    assert refused is None or refused.id == first.id


async def test_an_event_received_twice_at_once_is_stored_once(
    uow_factory: MemoryUnitOfWorkFactory,
) -> None:
    async with uow_factory() as first, uow_factory() as second:
        assert await first.inbox.add(an_event(payload=b"first"))
        assert await second.inbox.add(an_event(payload=b"second"))
        await first.commit()
        with pytest.raises(DuplicateRecord):
            await second.commit()

    async with uow_factory() as uow:
        event = await uow.inbox.get("evt_1")
    assert event is not None
    assert event.payload == b"first"


async def test_saving_a_row_another_unit_of_work_removed_is_refused(
    uow_factory: MemoryUnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store(), a_card())

    async with uow_factory() as slow:
        card = await slow.payment_methods.get("store_a", "pm_1")
        assert card is not None
        async with uow_factory() as fast:
            await fast.payment_methods.remove("store_a", "pm_1")
            await fast.commit()
        card.is_default = True
        with pytest.raises(ConcurrentUpdate):
            await slow.payment_methods.save(card)

    async with uow_factory() as uow:
        assert await uow.payment_methods.by_gateway_id("pm_1") is None


async def test_saving_what_was_never_added_is_an_error(
    uow_factory: MemoryUnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        with pytest.raises(MissingRecord):
            await uow.stores.save(a_store())


async def test_what_is_saved_is_the_aggregate_as_it_was_when_saved(
    uow_factory: MemoryUnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store())

    async with uow_factory() as uow:
        store = await uow.stores.get("store_a")
        assert store is not None
        store.rotate_api_key(hash_api_key("sk_saved"))
        await uow.stores.save(store)
        store.rotate_api_key(hash_api_key("sk_changed_after"))
        again = await uow.stores.get("store_a")
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.stores.get("store_a")
    assert again is not None
    assert stored is not None
    assert again.api_key_hash == stored.api_key_hash == hash_api_key("sk_saved")


async def test_every_load_is_a_copy_of_its_own(uow_factory: MemoryUnitOfWorkFactory) -> None:
    await given(uow_factory, a_store())

    async with uow_factory() as uow:
        first = await uow.stores.get("store_a")
        second = await uow.stores.get("store_a")

    assert first is not None
    assert second is not None
    assert first is not second
    first.rotate_api_key(hash_api_key("sk_changed"))
    assert second.api_key_hash == hash_api_key("sk_store_a")
