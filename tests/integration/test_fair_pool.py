"""The fair pool's queue of idle connections: a connection coming back goes to the longest
waiter, nobody takes an idle one past those waiting, and a waiter who gives up passes on what
it was handed. Driven through ``greenlet_spawn`` as SQLAlchemy's async engine drives a pool."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from sqlalchemy.util import greenlet_spawn
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty, Full, QueueCommon

from adapters.sqlalchemy.fair_pool import FairQueue

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def waiting_for(queue: QueueCommon[str], timeout: float | None = None) -> asyncio.Task[str]:
    return asyncio.ensure_future(greenlet_spawn(queue.get, True, timeout))


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_an_idle_connection_is_taken_at_once() -> None:
    queue = FairQueue[str](maxsize=2)
    queue.put_nowait("c1")
    assert (queue.qsize(), queue.empty(), queue.full()) == (1, False, False)
    assert await greenlet_spawn(queue.get, True, 1.0) == "c1"
    assert queue.empty()


async def test_waiters_are_handed_connections_in_the_order_they_asked() -> None:
    queue = FairQueue[str](maxsize=3)
    waiters = [waiting_for(queue) for _ in range(3)]
    await settle()
    assert not any(waiter.done() for waiter in waiters)
    for connection in ("c1", "c2", "c3"):
        queue.put_nowait(connection)
    assert [await waiter for waiter in waiters] == ["c1", "c2", "c3"]
    assert queue.empty()


def barging(queue: QueueCommon[str]) -> Callable[[], str | None]:
    """What one asking without waiting gets right after a connection came back to a waiter."""

    def ask() -> str | None:
        try:
            return queue.get_nowait()
        except Empty:
            return None

    return ask


async def test_a_connection_coming_back_goes_to_the_waiter_not_to_whoever_asks_next() -> None:
    queue = FairQueue[str](maxsize=1)
    waiter = waiting_for(queue)
    await settle()
    queue.put_nowait("c1")
    assert barging(queue)() is None
    assert await waiter == "c1"


async def test_sqlalchemy_s_own_queue_lets_the_next_asker_take_it_first() -> None:
    """Why the fair pool exists: the same steps on the queue SQLAlchemy's asyncio pool uses."""
    queue = AsyncAdaptedQueue[str](maxsize=1)
    waiter = waiting_for(queue, 0.2)
    await settle()
    queue.put_nowait("c1")
    assert barging(queue)() == "c1"
    with pytest.raises(Empty):
        await waiter


async def test_no_idle_connection_is_taken_past_someone_waiting() -> None:
    queue = FairQueue[str](maxsize=2)
    waiter = waiting_for(queue)
    await settle()
    with pytest.raises(Empty):
        await greenlet_spawn(queue.get, False, None)
    queue.put_nowait("c1")
    assert await waiter == "c1"


async def test_a_waiter_who_times_out_leaves_the_line_and_the_next_connection_stays_idle() -> None:
    queue = FairQueue[str](maxsize=1)
    with pytest.raises(Empty):
        await waiting_for(queue, 0.05)
    queue.put_nowait("c1")
    assert queue.qsize() == 1
    assert await greenlet_spawn(queue.get, False, None) == "c1"


async def test_a_waiter_cancelled_while_waiting_leaves_the_line() -> None:
    queue = FairQueue[str](maxsize=1)
    gone, staying = waiting_for(queue), waiting_for(queue)
    await settle()
    gone.cancel()
    await settle()
    queue.put_nowait("c1")
    assert await staying == "c1"
    assert gone.cancelled()


async def test_a_waiter_cancelled_after_being_handed_a_connection_passes_it_on() -> None:
    queue = FairQueue[str](maxsize=1)
    first, second = waiting_for(queue), waiting_for(queue)
    await settle()
    queue.put_nowait("c1")  # handed to the first, which has not run since
    first.cancel()
    assert await second == "c1"
    assert first.cancelled()


async def test_a_connection_handed_back_to_a_full_queue_is_refused() -> None:
    queue = FairQueue[str](maxsize=1)
    queue.put("c1", False)
    with pytest.raises(Full):
        queue.put_nowait("c2")
    assert queue.full()


def test_a_fair_queue_is_never_last_in_first_out() -> None:
    with pytest.raises(ValueError, match="first in, first out"):
        FairQueue[str](use_lifo=True)
