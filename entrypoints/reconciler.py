"""Reconciliation on a schedule, in the serving process.

``serve`` runs one pass at start-up and then one every ``STOREPAY_RECONCILE_INTERVAL_SECONDS``:
a lost webhook or a timed-out refund heals itself without anyone running ``storepay reconcile``.
A pass that fails is logged and the schedule goes on; shutting down cancels the loop cleanly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict

from application.use_cases.reconcile import ReconcileReport

logger = logging.getLogger("storepay.reconciler")

Reconciliation = Callable[[], Awaitable[ReconcileReport]]


def describe(report: ReconcileReport) -> str:
    """One line for people and logs."""
    return (
        f"{report.payments_checked} payments checked, {report.payments_changed} changed; "
        f"{report.refunds_checked} refunds settled; {report.events_retried} events retried, "
        f"{report.events_recovered} recovered; {report.failures} failures"
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


async def reconcile_every(reconcile: Reconciliation, interval_seconds: float) -> None:
    """Reconcile now and then every ``interval_seconds``, until cancelled."""
    while True:
        await reconcile_once(reconcile)
        await asyncio.sleep(interval_seconds)


@asynccontextmanager
async def reconciling(
    reconcile: Reconciliation, interval_seconds: float
) -> AsyncIterator[asyncio.Task[None] | None]:
    """Run :func:`reconcile_every` in the background while the context is open.

    An interval of zero (or less) turns it off. Leaving the context cancels the loop, even in the
    middle of a pass (its transaction rolls back), and waits for it to stop.
    """
    if interval_seconds <= 0:
        yield None
        return
    task = asyncio.create_task(
        reconcile_every(reconcile, interval_seconds), name="storepay-reconciler"
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
