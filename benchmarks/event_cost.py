"""What one webhook costs storepay inside the process: CPU, wall time and SQL statements.

``python -m benchmarks.event_cost`` (repository root, the project's venv) makes open payments
through storepay's create-intent (on storepay's Stripe emulator, served over HTTP in a process of
its own, as :mod:`benchmarks.run` runs it), then hands signed
``payment_intent.succeeded`` events straight to the webhook use case, ``--concurrency`` at a
time, with no HTTP in between. It prints CPU milliseconds per event (this process only, so
PostgreSQL's share is left out), events a second, and the statements each event ran, by kind.
``--profile FILE`` writes a cProfile of the measured loop (``python -m pstats FILE``).

It complements :mod:`benchmarks.run`: that one measures the service under wrk beside its floor;
this one says where a change to the unit of work moved the cost of an event.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event

from adapters.sqlalchemy.asyncpg_direct import Driver
from benchmarks.run import (
    PORTS,
    VENV_BIN,
    Ports,
    Server,
    _say,
    create_intents,
    emulator_command,
    fresh_database,
    insert_orders,
    open_intents,
    open_stores,
    parse_ports,
    running,
    signed,
    storepay_env,
    succeeded_event,
)
from entrypoints.container import build_service, close_service
from entrypoints.settings import load_settings


def prepare(
    kind: str, count: int, scratch: Path, ports: Ports = PORTS
) -> tuple[str, dict[str, str]]:
    """A fresh database holding ``count`` open payments, made by storepay itself on the
    Stripe emulator."""
    database_url = fresh_database(kind, scratch, ports.database)
    env = storepay_env(database_url, f"http://127.0.0.1:{ports.stripe}")
    command = [str(VENV_BIN / "storepay"), "serve", "--port", str(ports.storepay)]
    with (
        running(Server("event-cost-stripe", emulator_command(ports), env, ports.stripe)) as stripe,
        running(Server("event-cost-storepay", command, env, ports.storepay)) as app,
    ):
        stripe.wait_ready("/v1/accounts/acct_probe")
        app.wait_ready("/health")
        stores = open_stores(app.url, stripe.url)
        orders = asyncio.run(insert_orders(database_url, [store.id for store in stores], count))
        asyncio.run(create_intents(app.url, orders))
    return database_url, env


async def measure(
    env: dict[str, str], concurrency: int, profile: Path | None, warm_up: int
) -> dict[str, Any]:
    service = build_service(load_settings(env))
    handle = service.use_cases().handle_gateway_event
    statements: collections.Counter[str] = collections.Counter()

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements[_kind(statement)] += 1

    def count_plain(record: Any) -> None:  # asyncpg's own BEGIN, COMMIT and ROLLBACK
        statements[_kind(record.query)] += 1

    def log_plain(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        raw: Any = getattr(dbapi_connection, "_connection", None)
        if hasattr(raw, "add_query_logger"):
            raw.add_query_logger(count_plain)

    try:
        engine = service.adapters.engine()
        intents = await _open(engine)
        events = [succeeded_event(intent_id, 0) for intent_id in intents]
        deliveries = [(payload.encode(), signed(payload)) for payload in events]
        for payload, signature in deliveries[:warm_up]:
            await handle(payload, signature, connect=False)
        measured = deliveries[warm_up:]
        queue = collections.deque(measured)
        event.listen(engine.sync_engine, "before_cursor_execute", count)
        event.listen(engine.sync_engine, "checkout", log_plain)
        counted = _DirectStatementCount(statements)

        async def worker() -> None:
            while queue:
                payload, signature = queue.popleft()
                await handle(payload, signature, connect=False)

        profiler = cProfile.Profile() if profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)  # type: ignore[arg-type]
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        event.remove(engine.sync_engine, "before_cursor_execute", count)
        event.remove(engine.sync_engine, "checkout", log_plain)
        counted.close()
        await asyncio.sleep(0)  # asyncpg calls its query loggers soon after, not at once
    finally:
        await close_service(service)
    events_measured = len(measured)
    return {
        "events": events_measured,
        "cpu_ms_per_event": round(cpu * 1000 / events_measured, 3),
        "events_per_s": round(events_measured / wall, 1),
        "statements_per_event": {
            kind: round(number / events_measured, 2) for kind, number in statements.most_common()
        },
    }


def _kind(statement: str) -> str:
    return " ".join(statement.split()[:3])[:60]


class _DirectStatementCount:
    """Counts the statements run straight on asyncpg (:mod:`adapters.sqlalchemy.asyncpg_direct`),
    which SQLAlchemy's cursor events do not see, until closed."""

    def __init__(self, statements: collections.Counter[str]) -> None:
        self._originals = Driver.fetch, Driver.execute_many
        fetch, execute_many = self._originals

        async def counted_fetch(driver: Driver, statement: Any, *args: Any, **kwargs: Any) -> Any:
            statements[_kind(statement.sql)] += 1
            return await fetch(driver, statement, *args, **kwargs)

        async def counted_many(driver: Driver, statement: Any, rows: Any) -> None:
            statements[_kind(statement.sql)] += 1
            await execute_many(driver, statement, rows)

        Driver.fetch, Driver.execute_many = counted_fetch, counted_many  # type: ignore[method-assign,assignment]

    def close(self) -> None:
        Driver.fetch, Driver.execute_many = self._originals  # type: ignore[method-assign]


async def _open(engine: Any) -> list[str]:
    url = engine.url.render_as_string(hide_password=False)
    return await open_intents(url)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.event_cost")
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--warm-up", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument(
        "--ports",
        type=parse_ports,
        default=PORTS,
        help="the Stripe emulator's and storepay's ports, and one unused (12111,18000,18001)",
    )
    arguments = parser.parse_args(argv)
    taken = arguments.ports.taken()
    if taken:
        _say(f"event_cost: something listens on {taken} already (see --ports)", file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="storepay-event-cost-"))
    try:
        _, env = prepare(
            arguments.database, arguments.events + arguments.warm_up, scratch, arguments.ports
        )
        result = asyncio.run(
            measure(env, arguments.concurrency, arguments.profile, arguments.warm_up)
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for key, value in result.items():
        if isinstance(value, dict):
            _say(f"{key}:")
            for kind, number in value.items():
                _say(f"  {number:6}  {kind}")
        else:
            _say(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
