"""The CustomerSessionRepository contract: sessions found by their token's hash, and used once,
whatever the backend and however many checkouts try at the same moment."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from adapters.system.tokens import HmacTokenSigner
from application.customer_sessions import CustomerSessionUse, token_hash, token_of
from application.errors import CustomerSessionInvalid
from application.ports import (
    ConcurrentUpdate,
    CustomerSession,
    DuplicateRecord,
    UnitOfWork,
    UnitOfWorkFactory,
)

from .builders import EMAIL, T0, a_store, an_order, at, given

pytestmark = pytest.mark.anyio

SIGNER = HmacTokenSigner(b"contract tests sign customer sessions with this key")


class Clock:
    def now(self) -> datetime:
        return at(1)


def a_session(session_id: str = "cs_1", *, key: str | None = None) -> tuple[CustomerSession, str]:
    expires_at = T0 + timedelta(minutes=15)
    token = token_of(SIGNER, session_id, expires_at)
    session = CustomerSession(
        id=session_id,
        store_id="store_a",
        order_id="order_1",
        customer_email=EMAIL,
        token_hash=token_hash(token),
        created_at=T0,
        expires_at=expires_at,
        idempotency_key=key,
    )
    return session, token


async def add(uow_factory: UnitOfWorkFactory, session: CustomerSession) -> None:
    async with uow_factory() as uow:
        await uow.customer_sessions.add(session)
        await uow.commit()


async def save_and_commit(uow: UnitOfWork, session: CustomerSession) -> None:
    await uow.customer_sessions.save(session)
    await uow.commit()


async def test_a_session_is_found_by_its_token_s_hash_and_its_idempotency_key(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store(), an_order())
    session, token = a_session(key="key-1")
    await add(uow_factory, session)

    async with uow_factory() as uow:
        by_hash = await uow.customer_sessions.by_token_hash(token_hash(token))
        by_key = await uow.customer_sessions.by_idempotency_key("store_a", "key-1")
        not_the_token = await uow.customer_sessions.by_token_hash(token)
        other_store = await uow.customer_sessions.by_idempotency_key("store_b", "key-1")

    assert by_hash == session
    assert by_key == session
    assert (not_the_token, other_store) == (None, None)
    assert token not in repr(session)  # only the hash is kept


async def test_a_token_hash_and_an_idempotency_key_belong_to_one_session(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store(), an_order())
    first, _ = a_session("cs_1", key="key-1")
    await add(uow_factory, first)

    for duplicate in (
        replace(first, id="cs_2", idempotency_key=None),
        replace(a_session("cs_3")[0], idempotency_key="key-1"),
    ):
        with pytest.raises(DuplicateRecord):
            await add(uow_factory, duplicate)


async def test_a_session_saved_by_another_unit_of_work_is_not_overwritten(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store(), an_order())
    session, token = a_session()
    await add(uow_factory, session)

    async with uow_factory() as first, uow_factory() as second:
        mine = await first.customer_sessions.by_token_hash(token_hash(token))
        theirs = await second.customer_sessions.by_token_hash(token_hash(token))
        assert mine is not None
        assert theirs is not None
        mine.used_at = at(2)
        await first.customer_sessions.save(mine)
        await first.commit()
        theirs.used_at = at(3)
        with pytest.raises(ConcurrentUpdate):
            await save_and_commit(second, theirs)

    async with uow_factory() as uow:
        stored = await uow.customer_sessions.by_token_hash(token_hash(token))
    assert stored is not None
    assert stored.used_at == at(2)


async def test_concurrent_checkouts_spend_a_session_once(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store(), an_order())
    session, token = a_session()
    await add(uow_factory, session)
    use = CustomerSessionUse(uow_factory, Clock())

    async def spend() -> bool:
        try:
            await use.spend(token, "store_a", "order_1", EMAIL)
        except CustomerSessionInvalid:
            return False
        return True

    outcomes = await asyncio.gather(*(spend() for _ in range(8)))

    assert sorted(outcomes) == [False] * 7 + [True]
    with pytest.raises(CustomerSessionInvalid):
        await use.spend(token, "store_a", "order_1", EMAIL)
