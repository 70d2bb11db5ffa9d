"""The IdempotencyRepository contract: one answer per key and sender, replayed as stored."""

from __future__ import annotations

import pytest

from application.ports import DuplicateRecord, UnitOfWorkFactory

from .builders import T0, a_record, given, state

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
