"""``storepay demo``: a whole marketplace story on the simulated gateway, every figure checked.

It runs storepay as ``serve`` wires it (the same container, SQL storage and migrations), on a
temporary SQLite file unless told which database to use, so it never touches ``storepay.db``.
It exits 0 only when every figure reconciles.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from adapters.stripe_emulator import StripeEmulator
from entrypoints.container import build_service, close_service
from entrypoints.database import migrate, shown
from entrypoints.settings import load_settings

from . import report
from .checks import cross_check, gather
from .story import tell

__all__ = ["run_demo"]


@contextmanager
def _database(database_url: str | None) -> Iterator[tuple[str, str]]:
    if database_url is not None:
        yield database_url, shown(database_url)
        return
    with tempfile.TemporaryDirectory(prefix="storepay-demo-") as scratch:
        path = Path(scratch) / "demo.sqlite3"
        yield f"sqlite+aiosqlite:///{path}", "a temporary SQLite file, deleted afterwards"


def run_demo(out: TextIO, database_url: str | None = None) -> int:
    """Tell the story on ``out``; 0 when every figure reconciles, 1 otherwise."""
    started = time.perf_counter()
    with _database(database_url) as (url, where):
        reconciled = asyncio.run(_run(url, where, out))
    print(f"(the demo took {time.perf_counter() - started:.1f} s)", file=out)
    return 0 if reconciled else 1


async def _run(database_url: str, where: str, out: TextIO) -> bool:
    def say(line: str = "") -> None:
        print(line, file=out, flush=True)

    say("storepay demo: a marketplace on the simulated gateway (Stripe's test mode, in process)")
    say(f"database: {where}")
    say(f"  {(await migrate(database_url)).describe()}")
    say()
    service = build_service(
        load_settings(
            {
                "STOREPAY_DATABASE_URL": database_url,
                "STOREPAY_GATEWAY": "simulated",
                "STOREPAY_RECONCILE_INTERVAL_SECONDS": "0",
            }
        )
    )
    try:
        use_cases = service.use_cases()
        gateway = service.adapters.stripe_emulator()
        assert isinstance(gateway, StripeEmulator)
        story = await tell(use_cases, gateway, say)
        facts = await gather(story, use_cases, service.adapters.uow_factory())
        checks = cross_check(story, facts, gateway)
    finally:
        await close_service(service)
    for section in (
        report.payments(story, facts),
        report.balances(story, facts),
        report.platform_fees(story, facts),
    ):
        say()
        for line in section:
            say(line)
    lines, reconciled = report.verdict(checks)
    say()
    for line in lines:
        say(line)
    return reconciled
