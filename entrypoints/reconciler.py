"""Reconciliation on a schedule, in the serving process.

``serve`` runs one pass at start-up and then one every ``STOREPAY_RECONCILE_INTERVAL_SECONDS``:
a lost webhook or a timed-out refund heals itself without anyone running ``storepay reconcile``.
A pass that fails is logged and the schedule goes on; shutting down cancels the loop cleanly.
Every worker schedules passes, but a pass runs only in the worker that holds the reconciler's
lock when it comes due (``exclusive``; on PostgreSQL an advisory lock): the others skip their
turn, so N workers never ask Stripe N times about the same stuck payments.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import asdict

from application.use_cases.reconcile import ReconcileReport

logger = logging.getLogger("storepay.reconciler")

Reconciliation = Callable[[], Awaitable[ReconcileReport]]
Exclusive = Callable[[], AbstractAsyncContextManager[bool]]
"""Opens a block and says whether this process may reconcile in it (holds the lock)."""


@asynccontextmanager
async def always() -> AsyncIterator[bool]:
    """The lock of a process that is the only one reconciling."""
    yield True


def describe(report: ReconcileReport) -> str:
    """One line for people and logs."""
    return (
        f"{report.payments_checked} payments checked, {report.payments_changed} changed; "
        f"{report.refunds_checked} refunds settled; {report.events_retried} events retried, "
        f"{report.events_recovered} recovered; {report.failures} failures; "
        f"{report.idempotency_records_purged} idempotency records purged; "
        f"{report.domain_events_relayed} domain events relayed, {report.domain_events_purged} "
        "purged"
    )


async def reconcile_once(reconcile: Reconciliation) -> ReconcileReport | None:
    """One pass, logged; ``None`` when the pass itself failed (the failure is logged too)."""
    try:
        report = await reconcile()
    except Exception:
        logger.exception("reconciliation failed; the next pass will try again")
        return None
    logger.log(
        logging.WARNING if report.failures else logging.INFO,
        "reconciliation: %s",
        describe(report),
        extra={"reconciliation": asdict(report)},
    )
    return report


async def reconcile_every(
    reconcile: Reconciliation, interval_seconds: float, exclusive: Exclusive = always
) -> None:
    """Reconcile now and then every ``interval_seconds``, until cancelled; a pass whose lock
    another process holds is skipped."""
    while True:
        await reconcile_if_alone(reconcile, exclusive)
        await asyncio.sleep(interval_seconds)


async def reconcile_if_alone(
    reconcile: Reconciliation, exclusive: Exclusive = always
) -> ReconcileReport | None:
    """One pass if this process gets the lock; ``None`` when it did not, or the pass failed."""
    try:
        async with exclusive() as alone:
            if not alone:
                logger.debug("another process is reconciling; skipping this pass")
                return None
            return await reconcile_once(reconcile)
    except Exception:
        logger.exception("could not take the reconciler's lock; the next pass will try again")
        return None


@asynccontextmanager
async def reconciling(
    reconcile: Reconciliation, interval_seconds: float, exclusive: Exclusive = always
) -> AsyncIterator[asyncio.Task[None] | None]:
    """Run :func:`reconcile_every` in the background while the context is open.

    An interval of zero (or less) turns it off. Leaving the context cancels the loop, even in the
    middle of a pass (its transaction rolls back), and waits for it to stop.
    """
    if interval_seconds <= 0:
        yield None
        return
    task = asyncio.create_task(
        reconcile_every(reconcile, interval_seconds, exclusive), name="storepay-reconciler"
    )
    logger.info("reconciling every %s seconds", interval_seconds)
    try:
        yield task
    finally:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # we are being cancelled ourselves: let it through
