"""The IdempotencyRepository contract: one answer per key and sender, replayed as stored; a key
claimed by one request at a time; old records purged by prefix."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from application.ports import ConcurrentUpdate, DuplicateRecord, UnitOfWorkFactory

from .builders import T0, a_record, at, given, state

pytestmark = pytest.mark.anyio


async def test_a_record_comes_back_as_it_was_added(uow_factory: UnitOfWorkFactory) -> None:
    record = a_record(result=b'{"id": "pay_1", "status": "pending"}\x00\xff')
    await given(uow_factory, record)

    async with uow_factory() as uow:
        loaded = await uow.idempotency.get("store_a", "key-1")

    assert loaded is not None
    assert state(loaded) == state(record)
    assert loaded == record
    assert loaded.result == b'{"id": "pay_1", "status": "pending"}\x00\xff'
    assert loaded.fingerprint == "sha256:store_a:key-1"
    assert loaded.created_at == T0


async def test_a_key_is_scoped_to_its_sender(uow_factory: UnitOfWorkFactory) -> None:
    await given(
        uow_factory,
        a_record("store_a", "key-1", result=b"a"),
        a_record("store_b", "key-1", result=b"b"),
        a_record("platform", "key-1", result=b"platform"),
    )

    async with uow_factory() as uow:
        of_a = await uow.idempotency.get("store_a", "key-1")
        of_b = await uow.idempotency.get("store_b", "key-1")
        of_platform = await uow.idempotency.get("platform", "key-1")
        other_key = await uow.idempotency.get("store_a", "key-2")
        other_scope = await uow.idempotency.get("store_c", "key-1")

    assert of_a is not None
    assert of_b is not None
    assert of_platform is not None
    assert (of_a.result, of_b.result, of_platform.result) == (b"a", b"b", b"platform")
    assert (other_key, other_scope) == (None, None)


async def test_a_key_is_used_once_per_sender(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_record(result=b"first"))

    with pytest.raises(DuplicateRecord):
        await given(uow_factory, a_record(result=b"second"))

    async with uow_factory() as uow:
        kept = await uow.idempotency.get("store_a", "key-1")
    assert kept is not None
    assert kept.result == b"first"


# -- claims: a request holds its key while it runs ----------------------------------------------


async def test_a_claim_has_no_answer_until_one_is_kept(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_record(result=None))

    async with uow_factory() as uow:
        claim = await uow.idempotency.get("store_a", "key-1")
        await uow.idempotency.answer("store_a", "key-1", T0, b'{"id": "store_1"}')
        await uow.commit()
    async with uow_factory() as uow:
        answered = await uow.idempotency.get("store_a", "key-1")

    assert claim == a_record(result=None)
    assert answered == a_record(result=b'{"id": "store_1"}')


async def test_of_claims_made_at_once_exactly_one_commits(uow_factory: UnitOfWorkFactory) -> None:
    async def claim(minute: int) -> bool:
        try:
            await given(uow_factory, a_record(result=None, created_at=at(minute)))
        except DuplicateRecord:
            return False
        return True

    won = await asyncio.gather(*(claim(minute) for minute in range(8)))

    assert sum(won) == 1
    async with uow_factory() as uow:
        kept = await uow.idempotency.get("store_a", "key-1")
    assert kept is not None
    assert kept.created_at == at(won.index(True))


async def answer_late(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.idempotency.answer("store_a", "key-1", T0, b"late")
        await uow.commit()


@pytest.mark.parametrize(
    ("claimed_at", "result"),
    [(at(1), None), (T0, b"answered already")],
    ids=["another claim", "an answer"],
)
async def test_an_answer_is_kept_only_on_the_claim_it_ran_under(
    uow_factory: UnitOfWorkFactory, claimed_at: datetime, result: bytes | None
) -> None:
    record = a_record(result=result, created_at=claimed_at)
    await given(uow_factory, record)

    with pytest.raises(ConcurrentUpdate):
        await answer_late(uow_factory)

    async with uow_factory() as uow:
        assert await uow.idempotency.get("store_a", "key-1") == record


async def test_an_answer_on_a_released_claim_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(ConcurrentUpdate):
        await answer_late(uow_factory)

    async with uow_factory() as uow:
        assert await uow.idempotency.get("store_a", "key-1") is None


async def test_a_record_is_removed_only_as_it_was_made(uow_factory: UnitOfWorkFactory) -> None:
    newer = a_record("store_a", "key-1", result=None, created_at=at(5))
    await given(uow_factory, newer, a_record("store_a", "key-2", result=None))

    async with uow_factory() as uow:
        await uow.idempotency.remove("store_a", "key-1", T0)  # a claim since taken over
        await uow.idempotency.remove("store_a", "key-2", T0)
        await uow.idempotency.remove("store_a", "key-3", T0)  # gone already
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.idempotency.get("store_a", "key-1") == newer
        assert await uow.idempotency.get("store_a", "key-2") is None


async def test_records_under_a_prefix_made_before_a_time_are_removed(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(
        uow_factory,
        a_record("store_a", "request:old", created_at=at(0)),
        a_record("platform", "request:older", result=None, created_at=at(-60)),
        a_record("store_a", "request:new", created_at=at(10)),
        a_record("store_a", "refund:old", created_at=at(0)),
        a_record("store_a", "requestXold", created_at=at(0)),  # a prefix is no pattern
        a_record("store_a", "re%:old", created_at=at(0)),
    )

    async with uow_factory() as uow:
        removed = await uow.idempotency.remove_older("request:", at(10))
        wildcard = await uow.idempotency.remove_older("re%", at(-1))
        await uow.commit()

    assert (removed, wildcard) == (2, 0)
    async with uow_factory() as uow:
        left = [
            key
            for scope, key in [
                ("store_a", "request:old"),
                ("platform", "request:older"),
                ("store_a", "request:new"),
                ("store_a", "refund:old"),
                ("store_a", "requestXold"),
                ("store_a", "re%:old"),
            ]
            if await uow.idempotency.get(scope, key) is not None
        ]
    assert left == ["request:new", "refund:old", "requestXold", "re%:old"]
