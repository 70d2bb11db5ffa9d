"""``storepay demo``: a whole marketplace story on the simulated gateway, every figure checked.

It runs storepay as ``serve`` wires it (the same container, SQL storage and migrations), on a
temporary SQLite file unless told which database to use, so it never touches ``storepay.db``.
It exits 0 only when every figure reconciles.

With several workers (``--workers N``) it runs the service as ``serve --workers N`` does: the
Stripe emulator and N workers in processes of their own (``served``); the story's gateway side
then goes over HTTP, the workers apply the emulator's webhooks to the shared database, and the
checks read Stripe's objects through the served emulator's API.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from adapters.stripe_emulator import EmulatorControls
from entrypoints.container import build_service, close_service
from entrypoints.database import migrate, shown
from entrypoints.settings import load_settings

from . import report
from .checks import cross_check, gather
from .served import demo_environment, served_workers
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


def run_demo(out: TextIO, database_url: str | None = None, workers: int = 1) -> int:
    """Tell the story on ``out``; 0 when every figure reconciles, 1 otherwise."""
    started = time.perf_counter()
    with _database(database_url) as (url, where):
        if workers == 1:
            reconciled = asyncio.run(_run(url, where, out, demo_environment(url, os.environ)))
        else:
            asyncio.run(migrate(url))  # once, before the workers start
            with served_workers(url, workers) as environ:
                reconciled = asyncio.run(_run(url, where, out, environ, workers))
    print(f"(the demo took {time.perf_counter() - started:.1f} s)", file=out)
    return 0 if reconciled else 1


async def _run(
    database_url: str, where: str, out: TextIO, environ: dict[str, str], workers: int = 1
) -> bool:
    def say(line: str = "") -> None:
        print(line, file=out, flush=True)

    if workers == 1:
        say(
            "storepay demo: a marketplace on the simulated gateway (Stripe's test mode, in process)"
        )
    else:
        say(
            "storepay demo: a marketplace on the simulated gateway (Stripe's test mode served "
            f"over HTTP, delivering its webhooks to {workers} workers)"
        )
    say(f"database: {where}")
    say(f"  {(await migrate(database_url)).describe()}")
    say()
    service = build_service(load_settings(environ))
    try:
        use_cases = service.use_cases()  # in process, the emulator delivers to them
        stripe = service.adapters.emulator_controls()
        assert isinstance(stripe, EmulatorControls)
        story = await tell(use_cases, stripe, say)
        facts = await gather(story, use_cases, service.adapters.uow_factory())
        checks = await cross_check(story, facts, stripe)
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
