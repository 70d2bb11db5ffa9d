"""A key is claimed by one request at a time: its retries replay its answer, wait for it, or
run afresh once it failed, its claim lapsed or its answer is a day old."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory import MemoryUnitOfWork, MemoryUnitOfWorkFactory
from adapters.system.clock import ManualClock
from application.errors import IdempotencyKeyReused
from application.idempotent_requests import (
    CLAIM_LEASE,
    REPLAY_WINDOW,
    Claimed,
    IdempotentRequests,
    InProgress,
    Replay,
)
from application.ports import DuplicateRecord, IdempotencyRecord

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def uows() -> MemoryUnitOfWorkFactory:
    return MemoryUnitOfWorkFactory()


@pytest.fixture
def requests(uows: MemoryUnitOfWorkFactory, clock: ManualClock) -> IdempotentRequests:
    return IdempotentRequests(uows, clock)


async def claimed(requests: IdempotentRequests, key: str = "k", body: str = "a") -> Claimed:
    claim = await requests.claim("platform", key, body)
    assert isinstance(claim, Claimed)
    return claim


async def test_a_retry_while_the_first_runs_is_in_progress_then_replays_its_answer(
    requests: IdempotentRequests,
) -> None:
    first = await claimed(requests)

    assert await requests.claim("platform", "k", "a") == InProgress(T0 + CLAIM_LEASE)
    await requests.finish(first, b"answer")
    assert await requests.claim("platform", "k", "a") == Replay(b"answer")


async def test_another_request_under_a_running_key_is_refused(
    requests: IdempotentRequests,
) -> None:
    await claimed(requests)

    with pytest.raises(IdempotencyKeyReused):
        await requests.claim("platform", "k", "b")


async def test_a_released_key_is_claimed_again(requests: IdempotentRequests) -> None:
    first = await claimed(requests)
    await requests.release(first)

    again = await requests.claim("platform", "k", "b")  # another body is fine: nothing was kept

    assert isinstance(again, Claimed)


async def test_a_claim_left_by_a_dead_process_lapses_after_its_lease(
    requests: IdempotentRequests, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    dead = await claimed(requests)
    clock.advance(CLAIM_LEASE)
    assert isinstance(await requests.claim("platform", "k", "a"), InProgress)

    clock.advance(timedelta(seconds=1))
    retry = await claimed(requests)
    with caplog.at_level(logging.WARNING):
        await requests.finish(dead, b"too late")  # it was not dead, only slow
    await requests.finish(retry, b"kept")

    assert await requests.claim("platform", "k", "a") == Replay(b"kept")
    assert "lapsed before its answer" in caplog.text


async def test_an_answer_a_day_old_is_no_longer_replayed(
    requests: IdempotentRequests, clock: ManualClock
) -> None:
    await requests.finish(await claimed(requests), b"answer")
    clock.advance(REPLAY_WINDOW)
    assert await requests.claim("platform", "k", "a") == Replay(b"answer")

    clock.advance(timedelta(seconds=1))

    assert isinstance(await requests.claim("platform", "k", "other body"), Claimed)


async def test_purging_removes_request_records_a_day_old_and_nothing_else(
    requests: IdempotentRequests, uows: MemoryUnitOfWorkFactory, clock: ManualClock
) -> None:
    await requests.finish(await claimed(requests, "old"), b"answer")
    await claimed(requests, "stuck")
    async with uows() as uow:
        await uow.idempotency.add(IdempotencyRecord("store_1", "refund:r", "f", b"rf_1", T0))
        await uow.commit()
    clock.advance(REPLAY_WINDOW)
    await requests.finish(await claimed(requests, "new"), b"answer")
    clock.advance(timedelta(seconds=1))

    assert await requests.purge() == 2
    assert await requests.purge() == 0
    async with uows() as uow:
        assert await uow.idempotency.get("store_1", "refund:r") is not None
        assert await uow.idempotency.get("platform", "request:new") is not None
        assert await uow.idempotency.get("platform", "request:old") is None


class Flapping:
    """Units of work on a key that another request claims and releases over and over: each
    claim finds it taken, each look afterwards finds it gone."""

    def __init__(self, factory: MemoryUnitOfWorkFactory) -> None:
        self._factory = factory
        self.looks = 0

    def __call__(self) -> MemoryUnitOfWork:
        uow = self._factory()
        uow.idempotency.add = self._taken  # type: ignore[method-assign]
        uow.idempotency.get = self._gone  # type: ignore[method-assign]
        return uow

    async def _taken(self, record: IdempotencyRecord) -> None:
        raise DuplicateRecord(record.key)

    async def _gone(self, scope: str, key: str) -> None:
        self.looks += 1


async def test_a_key_claimed_and_released_over_and_over_is_in_progress_after_a_few_tries(
    uows: MemoryUnitOfWorkFactory, clock: ManualClock
) -> None:
    flapping = Flapping(uows)

    answer = await IdempotentRequests(flapping, clock).claim("platform", "k", "a")

    assert answer == InProgress(T0 + CLAIM_LEASE)
    assert flapping.looks == 3
