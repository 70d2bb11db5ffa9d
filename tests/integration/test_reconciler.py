"""The reconciler ``serve`` runs in the background: on schedule, through failures, and stopped
cleanly at shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from adapters.sqlalchemy import create_engine
from adapters.sqlalchemy.leases import exclusively
from adapters.sqlalchemy.migrations import upgrade
from application.use_cases.reconcile import ReconcileReport
from entrypoints.container import build_service
from entrypoints.http.app import create_app
from entrypoints.reconciler import (
    describe,
    reconcile_every,
    reconcile_if_alone,
    reconcile_once,
    reconciling,
)
from entrypoints.settings import load_settings

pytestmark = pytest.mark.anyio
POSTGRES_URL = os.environ.get("STOREPAY_TEST_POSTGRES_URL")
NO_POSTGRES = "STOREPAY_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against"
INTERVAL = 0.01
QUIET = ReconcileReport(0, 0, 0, 0, 0, 0)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Passes:
    """A reconciliation that counts its passes, failing or reporting failures when told."""

    def __init__(self, *, crash_on: frozenset[int] = frozenset(), report: ReconcileReport = QUIET):
        self.count = 0
        self.crash_on = crash_on
        self.report = report
        self.ran = asyncio.Event()

    async def __call__(self) -> ReconcileReport:
        self.count += 1
        if self.count >= 3:
            self.ran.set()
        if self.count in self.crash_on:
            raise ConnectionError("the database went away")
        return self.report


async def test_it_reconciles_at_start_and_then_every_interval() -> None:
    passes = Passes()
    async with reconciling(passes, INTERVAL) as task:
        assert task is not None
        await asyncio.wait_for(passes.ran.wait(), timeout=5)
    assert task.cancelled()
    assert passes.count >= 3


async def test_a_failed_pass_is_logged_and_the_schedule_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    passes = Passes(crash_on=frozenset({1}))
    with caplog.at_level(logging.INFO, logger="storepay.reconciler"):
        async with reconciling(passes, INTERVAL):
            await asyncio.wait_for(passes.ran.wait(), timeout=5)

    crashed = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(crashed) == 1
    assert crashed[0].exc_info is not None
    assert "the next pass will try again" in crashed[0].getMessage()
    reports = [r for r in caplog.records if r.getMessage().startswith("reconciliation: ")]
    assert len(reports) >= 2


async def test_each_report_is_logged_and_failures_as_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    report = ReconcileReport(
        payments_checked=4,
        payments_changed=1,
        refunds_checked=2,
        events_retried=3,
        events_recovered=2,
        failures=1,
        idempotency_records_purged=5,
        domain_events_relayed=6,
        domain_events_purged=7,
    )
    with caplog.at_level(logging.INFO, logger="storepay.reconciler"):
        assert await reconcile_once(Passes(report=report)) == report

    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == f"reconciliation: {describe(report)}"
    assert record.reconciliation == {  # type: ignore[attr-defined]
        "payments_checked": 4,
        "payments_changed": 1,
        "refunds_checked": 2,
        "events_retried": 3,
        "events_recovered": 2,
        "failures": 1,
        "idempotency_records_purged": 5,
        "domain_events_relayed": 6,
        "domain_events_purged": 7,
    }
    assert describe(report) == (
        "4 payments checked, 1 changed; 2 refunds settled; 3 events retried, 2 recovered; "
        "1 failures; 5 idempotency records purged; 6 domain events relayed, 7 purged"
    )


async def test_a_pass_in_progress_is_cancelled_at_shutdown() -> None:
    started, never = asyncio.Event(), asyncio.Event()

    async def stuck() -> ReconcileReport:
        started.set()
        await never.wait()
        return QUIET

    async with reconciling(stuck, INTERVAL) as task:
        await asyncio.wait_for(started.wait(), timeout=5)
    assert task is not None
    assert task.cancelled()


async def test_shutting_down_while_being_cancelled_lets_the_cancellation_through() -> None:
    inside = asyncio.Event()

    async def serving() -> None:
        async with reconciling(Passes(), 3600):
            inside.set()
            await asyncio.sleep(3600)

    server = asyncio.create_task(serving())
    await asyncio.wait_for(inside.wait(), timeout=5)
    server.cancel()
    with pytest.raises(asyncio.CancelledError):
        await server


async def test_an_interval_of_zero_turns_it_off() -> None:
    passes = Passes()
    async with reconciling(passes, 0) as task:
        await asyncio.sleep(INTERVAL * 5)
    assert task is None
    assert passes.count == 0


async def test_the_loop_itself_runs_until_cancelled() -> None:
    passes = Passes()
    loop = asyncio.create_task(reconcile_every(passes, INTERVAL))
    await asyncio.wait_for(passes.ran.wait(), timeout=5)
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_the_served_app_reconciles_in_the_background(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'storepay.sqlite3'}"
    asyncio.run(upgrade(url))
    service = build_service(
        load_settings(
            {
                "STOREPAY_DATABASE_URL": url,
                "STOREPAY_GATEWAY": "simulated",
                "STOREPAY_RECONCILE_INTERVAL_SECONDS": "1",
            }
        )
    )
    # The app configures logging when it starts, so listen on the reconciler's own logger.
    logger, kept = logging.getLogger("storepay.reconciler"), Kept()
    logger.addHandler(kept)
    try:
        with TestClient(create_app(service)) as client:
            deadline = time.monotonic() + 10
            while not any(m.startswith("reconciliation") for m in kept.messages):
                assert time.monotonic() < deadline, "no reconciliation pass was logged"
                assert client.get("/health").status_code == 200
                time.sleep(0.02)
    finally:
        logger.removeHandler(kept)
    assert "reconciling every 1 seconds" in kept.messages
    assert f"reconciliation: {describe(QUIET)}" in kept.messages


# -- one worker at a time ------------------------------------------------------------------------


def held_by_another() -> contextlib.AbstractAsyncContextManager[bool]:
    @contextlib.asynccontextmanager
    async def lock() -> AsyncIterator[bool]:
        yield False

    return lock()


async def test_a_pass_is_skipped_while_another_process_holds_the_lock() -> None:
    passes = Passes()
    report = await reconcile_if_alone(passes, held_by_another)
    assert (report, passes.count) == (None, 0)


async def test_a_pass_runs_in_the_process_that_holds_the_lock() -> None:
    passes = Passes()
    assert await reconcile_if_alone(passes) == QUIET
    assert passes.count == 1


async def test_a_lock_that_cannot_be_taken_is_logged_and_skips_the_pass(
    caplog: pytest.LogCaptureFixture,
) -> None:
    @contextlib.asynccontextmanager
    async def unreachable() -> AsyncIterator[bool]:
        raise ConnectionError("the database went away")
        yield True  # pragma: no cover

    passes = Passes()
    with caplog.at_level(logging.ERROR, logger="storepay.reconciler"):
        assert await reconcile_if_alone(passes, unreachable) is None
    assert passes.count == 0
    assert "lock" in caplog.text


async def test_sqlite_is_served_by_one_process_which_always_holds_the_lock(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'lock.db'}")
    try:
        async with (
            exclusively(engine, "storepay.reconciler") as first,
            exclusively(engine, "storepay.reconciler") as second,
        ):
            assert (first, second) == (True, True)
    finally:
        await engine.dispose()


@pytest.mark.skipif(POSTGRES_URL is None, reason=NO_POSTGRES)
async def test_on_postgresql_one_engine_at_a_time_holds_the_lock() -> None:
    assert POSTGRES_URL is not None
    workers = [create_engine(POSTGRES_URL), create_engine(POSTGRES_URL)]
    name = f"storepay.reconciler.test.{os.getpid()}"
    try:
        async with exclusively(workers[0], name) as first, exclusively(workers[1], name) as second:
            assert (first, second) == (True, False)
        async with exclusively(workers[1], name) as after_release:
            assert after_release
        # Two passes due at once: exactly one runs.
        passes = Passes()
        await asyncio.gather(
            *(
                reconcile_if_alone(passes, lambda engine=engine: exclusively(engine, name))
                for engine in workers
            )
        )
        assert 1 <= passes.count <= 2  # the second may start after the first has let go
    finally:
        for engine in workers:
            await engine.dispose()
