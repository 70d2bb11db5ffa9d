"""The StoreRepository contract."""

from __future__ import annotations

from decimal import Decimal

import pytest

from application.ports import DuplicateRecord, UnitOfWorkFactory
from domain.account import AccountStatus
from domain.currency import Currency
from domain.money import Rounding
from domain.payout import PayoutInterval
from domain.store import hash_api_key

from .builders import a_connected_store, a_store, at, given, money, state

pytestmark = pytest.mark.anyio


async def test_a_new_store_comes_back_as_it_was_added(uow_factory: UnitOfWorkFactory) -> None:
    store = a_store()
    await given(uow_factory, store)

    async with uow_factory() as uow:
        loaded = await uow.stores.get("store_a")

    assert loaded is not None
    assert state(loaded) == state(store)
    assert loaded.currency == Currency.of("EUR")
    assert loaded.account is None
    assert loaded.account_status is AccountStatus.NOT_CONFIGURED
    assert loaded.business_phone is None


async def test_every_part_of_a_store_survives_a_round_trip(uow_factory: UnitOfWorkFactory) -> None:
    store = a_connected_store()
    await given(uow_factory, store)

    async with uow_factory() as uow:
        loaded = await uow.stores.get("store_a")

    assert loaded is not None
    assert state(loaded) == state(store)
    assert loaded.business_phone == "+33 1 23 45 67 89"
    assert loaded.fee_policy.percentage.value == Decimal("2.9")
    assert loaded.fee_policy.fixed_amount == money("0.30")
    assert loaded.fee_policy.minimum_fee == money("0.50")
    assert loaded.fee_policy.maximum_fee == money("20.00")
    assert loaded.fee_policy.rounding is Rounding.HALF_EVEN
    assert loaded.payout_settings.schedule.interval is PayoutInterval.MONTHLY
    assert loaded.payout_settings.schedule.monthly_anchor == 31
    assert loaded.payout_settings.minimum_payout == money("25.00")
    assert loaded.account is not None
    assert loaded.account.account_id == "acct_a"
    assert loaded.account.created_at == at(1)
    assert loaded.account.snapshot is not None
    assert loaded.account.snapshot.currently_due == ("external_account", "tos_acceptance.date")
    assert loaded.account.snapshot.past_due == ("external_account",)
    assert loaded.account_status is AccountStatus.RESTRICTED
    assert loaded.account.pull_events() == []


async def test_a_saved_store_keeps_its_changes(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store())

    async with uow_factory() as uow:
        store = await uow.stores.get("store_a")
        assert store is not None
        store.rotate_api_key(hash_api_key("sk_rotated"))
        store.connect("acct_new", at(5)).deauthorize(at(6))
        await uow.stores.save(store)
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.stores.get("store_a")
        by_old_key = await uow.stores.by_api_key_hash(hash_api_key("sk_store_a"))

    assert loaded is not None
    assert state(loaded) == state(store)
    assert loaded.api_key_hash == hash_api_key("sk_rotated")
    assert loaded.account is not None
    assert loaded.account.deauthorized_at == at(6)
    assert loaded.account_status is AccountStatus.INACTIVE
    assert loaded.account.pull_events() == []
    assert by_old_key is None


async def test_stores_are_found_by_api_key_hash_and_account(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store("store_a"), a_connected_store("store_b", account_id="acct_b"))

    async with uow_factory() as uow:
        by_key = await uow.stores.by_api_key_hash(hash_api_key("sk_store_b"))
        by_account = await uow.stores.by_account_id("acct_b")
        unknown_key = await uow.stores.by_api_key_hash(hash_api_key("sk_nobody"))
        unknown_account = await uow.stores.by_account_id("acct_nobody")
        unknown_store = await uow.stores.get("store_nobody")

    assert by_key is not None
    assert by_key.id == "store_b"
    assert by_account is not None
    assert by_account.id == "store_b"
    assert (unknown_key, unknown_account, unknown_store) == (None, None, None)


async def test_a_store_id_is_unique(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store())
    twin = a_store()
    twin.api_key_hash = hash_api_key("sk_twin")

    with pytest.raises(DuplicateRecord):
        await given(uow_factory, twin)

    async with uow_factory() as uow:
        kept = await uow.stores.get("store_a")
    assert kept is not None
    assert kept.api_key_hash == hash_api_key("sk_store_a")


async def test_an_api_key_hash_belongs_to_one_store(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store("store_a"))
    twin = a_store("store_b")
    twin.api_key_hash = hash_api_key("sk_store_a")

    with pytest.raises(DuplicateRecord):
        await given(uow_factory, twin)

    async with uow_factory() as uow:
        assert await uow.stores.get("store_b") is None


async def rotate_api_key(uow_factory: UnitOfWorkFactory, store_id: str, api_key_hash: str) -> None:
    async with uow_factory() as uow:
        store = await uow.stores.get(store_id)
        assert store is not None
        store.rotate_api_key(api_key_hash)
        await uow.stores.save(store)
        await uow.commit()


async def test_rotating_to_another_store_s_api_key_hash_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store("store_a"), a_store("store_b"))

    with pytest.raises(DuplicateRecord):
        await rotate_api_key(uow_factory, "store_b", hash_api_key("sk_store_a"))

    async with uow_factory() as uow:
        found = await uow.stores.by_api_key_hash(hash_api_key("sk_store_a"))
    assert found is not None
    assert found.id == "store_a"


async def test_a_connected_account_belongs_to_one_store(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_connected_store("store_a", account_id="acct_shared"))

    with pytest.raises(DuplicateRecord):
        await given(uow_factory, a_connected_store("store_b", account_id="acct_shared"))

    async with uow_factory() as uow:
        assert await uow.stores.get("store_b") is None
