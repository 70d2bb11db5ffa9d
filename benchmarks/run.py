"""Load benchmarks of storepay, each beside its floor, on SQLite and PostgreSQL.

``python -m benchmarks.run`` (from the repository root, in the project's venv; wrk on the PATH)
runs, for each configuration (SQLite with 1 worker, PostgreSQL with 1 and 4 workers):

* storepay's Stripe emulator, served over HTTP in a process of its own
  (``python -m entrypoints.emulator_server``), delivering the events storepay subscribes to
  (``adapters.stripe.ACTED_ON``) to storepay's webhook routes, as Stripe does to a deployment;
* storepay, started with ``storepay serve --workers N`` on the Stripe adapter, its
  ``STRIPE_API_BASE`` pointing at that emulator, as a deployment talks to Stripe over the network;
* the floor, :mod:`benchmarks.floor_app`, served by uvicorn with the same workers on the same
  database, making its one Stripe call to the same emulator;
* wrk at 32 connections: ``create-intent`` for distinct orders against storepay and
  ``/floor/intent`` against the floor, then signed ``payment_intent.succeeded`` events for distinct
  payments against ``/webhooks/stripe`` and ``/floor/webhook``. Runs alternate between storepay
  and the floor, so a change in the machine's load hits both alike; each figure is the median of
  ``--runs`` runs after a warm-up run.

Each configuration gets a fresh emulator. The stores' accounts are onboarded through the
emulator's test-mode API, as a store finishes Stripe's hosted onboarding. Orders are inserted
straight into the database before the run (through storepay's own domain and mapping); the
payments the webhooks pay are made by the create-intent runs and, when those made too few, by
further create-intent calls before the webhook runs (not measured), and their intents are the
ones the emulator's create-intent answers gave storepay.

Results go to stdout as a Markdown table and to ``benchmarks/results.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from adapters.sqlalchemy import create_engine
from adapters.sqlalchemy.mapping import order_values
from adapters.sqlalchemy.tables import orders as orders_table
from adapters.stripe import ACTED_ON
from adapters.system.ids import TimeOrderedIds
from benchmarks.floor_app import metadata as floor_metadata
from domain.money import Money
from domain.order import Order

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "requests.lua"
VENV_BIN = Path(sys.executable).parent

WEBHOOK_SECRET = "whsec_benchmark_only"
STRIPE_SECRET_KEY = "sk_test_benchmark"
ADMIN_TOKEN = "spa_benchmark_admin_token_0123456789"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "storepay_bench"
STORES = 4
AMOUNT = 1999
ORDERS_PER_RUN = 6000


@dataclass(frozen=True)
class Ports:
    """Where the Stripe emulator, storepay and the floor listen (on 127.0.0.1)."""

    stripe: int = 12111
    storepay: int = 18000
    floor: int = 18001

    @property
    def database(self) -> str:
        """The PostgreSQL database a run drops and makes again: one of its own on other ports."""
        return PG_DATABASE if self == Ports() else f"{PG_DATABASE}_{self.storepay}"

    def taken(self) -> list[int]:
        """The ports something already listens on: a run there would measure someone else."""
        busy = []
        for port in (self.stripe, self.storepay, self.floor):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    busy.append(port)
        return busy


PORTS = Ports()


@dataclass
class Measured:
    throughput: list[float] = field(default_factory=list)
    p50_ms: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    worker_cpu_ms: list[float] = field(default_factory=list)
    database_cpu_ms: list[float] = field(default_factory=list)
    stripe_cpu_ms: list[float] = field(default_factory=list)
    failures: int = 0
    exhausted: bool = False

    def add(self, run: WrkRun) -> None:
        self.throughput.append(run.rate)
        self.worker_cpu_ms.append(run.worker_cpu_ms)
        self.database_cpu_ms.append(run.database_cpu_ms)
        self.stripe_cpu_ms.append(run.stripe_cpu_ms)
        self.p50_ms.append(run.p50_ms)
        self.p99_ms.append(run.p99_ms)
        self.failures += run.failures
        self.exhausted = self.exhausted or run.exhausted

    def summary(self) -> dict[str, Any]:
        return {
            "throughput": round(statistics.median(self.throughput), 1),
            "p50_ms": round(statistics.median(self.p50_ms), 2),
            "p99_ms": round(statistics.median(self.p99_ms), 2),
            "runs": [round(rate, 1) for rate in self.throughput],
            # CPU a request, of the server's workers and of PostgreSQL's processes (SQLite runs
            # in the worker): tells a dearer request from a machine that was busier.
            "worker_cpu_ms": [round(value, 2) for value in self.worker_cpu_ms],
            "database_cpu_ms": [round(value, 2) for value in self.database_cpu_ms],
            # The emulator's CPU a request: Stripe's side, not counted as storepay's.
            "stripe_cpu_ms": [round(value, 2) for value in self.stripe_cpu_ms],
            "failures": self.failures,
            "exhausted": self.exhausted,
        }


@dataclass
class WrkRun:
    rate: float
    p50_ms: float
    p99_ms: float
    failures: int
    exhausted: bool
    sent: int
    worker_cpu_ms: float = 0.0
    database_cpu_ms: float = 0.0
    stripe_cpu_ms: float = 0.0


def _say(*parts: object, file: Any = None) -> None:
    """A line for the person running the benchmarks (stdout, or ``file``)."""
    (file or sys.stdout).write(" ".join(map(str, parts)) + "\n")
    (file or sys.stdout).flush()


# -- processes ---------------------------------------------------------------------------------


class Server:
    """A server process (storepay or the floor) with its log, its workers and their peak RSS."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], port: int) -> None:
        self.name, self.port = name, port
        self.log_path = Path(tempfile.gettempdir()) / f"storepay-bench-{name}-{port}.log"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log_path}")
            try:
                if httpx.get(self.url + path, timeout=1).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start; see {self.log_path}")

    def workers(self) -> list[int]:
        """The processes that serve requests: uvicorn's spawned workers, or the one process."""
        children = [
            pid
            for pid in _descendants(self.process.pid)
            if "spawn_main" in _cmdline(pid) and "resource_tracker" not in _cmdline(pid)
        ]
        return children or [self.process.pid]

    def cpu_seconds(self) -> float:
        return sum(_cpu_seconds(pid) for pid in self.workers())

    def peak_rss_mb(self) -> list[float]:
        return [round(_vm_hwm_kb(pid) / 1024, 1) for pid in self.workers()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in map(int, children):
        found += [child, *_descendants(child)]
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU of ``pid`` so far (``/proc/<pid>/stat``), 0 once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _postgres_cpu_seconds() -> float:
    """CPU so far of every PostgreSQL process on the machine (0 with none)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += _cpu_seconds(int(entry.name))
            except OSError:
                continue
    return total


def _vm_hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


@contextmanager
def running(server: Server) -> Iterator[Server]:
    try:
        yield server
    finally:
        server.stop()


# -- the database ------------------------------------------------------------------------------


def fresh_database(kind: str, scratch: Path, name: str = PG_DATABASE) -> str:
    if kind == "sqlite":
        path = scratch / "storepay-bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite+aiosqlite:///{path}"

    async def recreate() -> None:
        import asyncpg  # type: ignore[import-untyped]

        connection = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            await connection.execute(f"CREATE DATABASE {name}")
        finally:
            await connection.close()

    asyncio.run(recreate())
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


async def analyze(database_url: str) -> None:
    """Fresh statistics for PostgreSQL's planner, as its autovacuum daemon keeps them.

    Every run adds thousands of rows to tables that were empty when the servers' pooled
    connections first planned their statements (and the foreign-key checks of their inserts).
    Autovacuum analyzes a table once a tenth of it has changed, and a new analysis makes every
    backend plan again; on a server with autovacuum off (a test database's usual setting) those
    first plans, sequential scans of what were empty tables, would stay for the whole run. So
    the runner analyzes before each run, unmeasured, whatever the server's setting."""
    if not database_url.startswith("postgresql"):
        return
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            await connection.execute(sa.text("ANALYZE"))
            await connection.commit()
    finally:
        await engine.dispose()


async def postgres_setting(name: str) -> str:
    import asyncpg  # type: ignore[import-untyped]

    try:
        connection = await asyncpg.connect(PG_ADMIN_URL)
    except OSError:
        return "unreachable"
    try:
        return str(await connection.fetchval(f"SHOW {name}"))
    finally:
        await connection.close()


async def create_floor_table(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(floor_metadata.create_all)
    finally:
        await engine.dispose()


async def insert_orders(
    database_url: str, store_ids: Sequence[str], count: int, first: int = 0
) -> list[Order]:
    """``count`` pending orders numbered from ``first``, spread over the stores, in bulk."""
    ids, now = TimeOrderedIds(), datetime.now(UTC)
    made = [
        Order.register(
            order_id=ids.new_id("ord_"),
            store_id=store_ids[index % len(store_ids)],
            reference=f"bench-{index}",
            customer_email=f"shopper{index}@example.com",
            amount=Money.of(AMOUNT, "EUR"),
            created_at=now,
        )
        for index in range(first, first + count)
    ]
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            for start in range(0, count, 2000):
                batch = made[start : start + 2000]
                rows = [order_values(order) | {"version": 1} for order in batch]
                await connection.execute(orders_table.insert(), rows)
    finally:
        await engine.dispose()
    return made


async def open_intents(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                sa.text(
                    "SELECT payment_intent_id FROM payments WHERE status = 'pending' "
                    "AND payment_intent_id IS NOT NULL ORDER BY created_at"
                )
            )
            return [row[0] for row in rows]
    finally:
        await engine.dispose()


# -- requests ----------------------------------------------------------------------------------


def intent_line(order: Order) -> str:
    path = f"/api/v1/platform/stores/{order.store_id}/payments/create-intent"
    body = json.dumps(
        {"order_id": order.id, "amount": AMOUNT, "customer_email": order.customer_email}
    )
    return f"POST\t{path}\t-\t{body}"


def floor_intent_line(index: int, destination: str) -> str:
    body = {"order_id": f"f{index}", "amount": AMOUNT, "destination": destination}
    return f"POST\t/floor/intent\t-\t{json.dumps(body)}"


def signed(payload: str, secret: str = WEBHOOK_SECRET) -> str:
    """A ``Stripe-Signature`` header, made as Stripe makes it."""
    timestamp = int(time.time())
    digest = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


def succeeded_event(intent_id: str, sequence: int) -> str:
    now = int(time.time())
    return json.dumps(
        {
            "id": f"evt_bench{sequence}_{intent_id[3:]}",
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": now,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": "payment_intent.succeeded",
            "data": {
                "object": {
                    "id": intent_id,
                    "object": "payment_intent",
                    "amount": AMOUNT,
                    "amount_received": AMOUNT,
                    "currency": "eur",
                    "status": "succeeded",
                    "client_secret": f"{intent_id}_secret_bench",
                    "latest_charge": f"ch_{intent_id[3:]}",
                    "last_payment_error": None,
                    "created": now,
                    "livemode": False,
                    "metadata": {},
                }
            },
        },
        separators=(",", ":"),
    )


def webhook_line(path: str, payload: str) -> str:
    return f"POST\t{path}\tStripe-Signature: {signed(payload)}\t{payload}"


_sequence = iter(range(10**9))


def write_requests(lines: Sequence[str], scratch: Path) -> Path:
    path = scratch / f"requests-{next(_sequence)}.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def measure(
    server: Server,
    path: Path,
    duration: float,
    connections: int,
    database_url: str,
    stripe: Server,
) -> WrkRun:
    """One wrk run against ``server``, with the CPU a request its workers, PostgreSQL and the
    Stripe emulator spent."""
    asyncio.run(analyze(database_url))
    worker_before, database_before = server.cpu_seconds(), _postgres_cpu_seconds()
    stripe_before = stripe.cpu_seconds()
    run = wrk(server.url, path, duration, connections)
    sent = max(run.sent, 1)
    run.worker_cpu_ms = (server.cpu_seconds() - worker_before) * 1000 / sent
    run.database_cpu_ms = (_postgres_cpu_seconds() - database_before) * 1000 / sent
    run.stripe_cpu_ms = (stripe.cpu_seconds() - stripe_before) * 1000 / sent
    return run


def wrk(url: str, requests: Path, duration: float, connections: int) -> WrkRun:
    threads = 2
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{int(duration)}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
        "--",
        str(requests),
        str(threads),
    ]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise RuntimeError(
            f"wrk failed ({finished.returncode}): {finished.stdout}{finished.stderr}"
        )
    output = finished.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    stats = re.search(r"BENCH p50_us=(\d+) p99_us=(\d+) requests=(\d+) errors=(\d+)", output)
    assert stats is not None, output
    return WrkRun(
        rate=rate,
        p50_ms=int(stats.group(1)) / 1000,
        p99_ms=int(stats.group(2)) / 1000,
        failures=(int(non_2xx.group(1)) if non_2xx else 0) + int(stats.group(4)),
        exhausted="wrapped=1" in output,
        sent=int(stats.group(3)),
    )


# -- one configuration -------------------------------------------------------------------------


def storepay_env(database_url: str, stripe_base: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STOREPAY_", "STRIPE_"))
    }
    env.update(
        STOREPAY_DATABASE_URL=database_url,
        STOREPAY_GATEWAY="stripe",
        STOREPAY_ADMIN_TOKEN=ADMIN_TOKEN,
        STOREPAY_RATE_LIMIT_PER_MINUTE="0",
        STRIPE_SECRET_KEY=STRIPE_SECRET_KEY,
        STRIPE_PUBLISHABLE_KEY="pk_test_benchmark",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe_base,
        FLOOR_DATABASE_URL=database_url,
    )
    return env


def emulator_command(ports: Ports) -> list[str]:
    """storepay's Stripe emulator, delivering to storepay what storepay subscribes to."""
    return [
        str(VENV_BIN / "python"),
        "-m",
        "entrypoints.emulator_server",
        "--port",
        str(ports.stripe),
        "--deliver-to",
        f"http://127.0.0.1:{ports.storepay}",
        "--enabled-events",
        ",".join(sorted(ACTED_ON)),
    ]


@dataclass(frozen=True)
class BenchStore:
    id: str
    account_id: str


def open_stores(base: str, stripe_base: str) -> list[BenchStore]:
    """Stores opened through storepay's API, their accounts onboarded at the emulator (as a
    store finishes Stripe's hosted onboarding): they take payments once storepay has the
    account.updated the emulator delivered before answering."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    stripe_key = {"Authorization": f"Bearer {STRIPE_SECRET_KEY}"}
    stores = []
    with (
        httpx.Client(base_url=base + "/api/v1", timeout=30) as client,
        httpx.Client(base_url=stripe_base, timeout=30) as stripe,
    ):
        for index in range(STORES):
            answer = client.post(
                "/admin/stores",
                json={"name": f"Bench store {index}", "business_email": f"s{index}@example.com"},
                headers=admin,
            )
            answer.raise_for_status()
            store = answer.json()
            key = {"Authorization": f"Bearer {store['api_key']}"}
            setup = client.post("/store/payments/setup", json={}, headers=key)
            setup.raise_for_status()
            account_id = setup.json()["stripe_account_id"]
            onboarded = stripe.post(
                f"/v1/test_helpers/accounts/{account_id}/complete_onboarding", headers=stripe_key
            )
            onboarded.raise_for_status()
            config = client.get("/store/payments/config", headers=key)
            if not config.json()["accepts_payments"]:
                raise RuntimeError(f"store {store['id']} does not take payments: {config.text}")
            stores.append(BenchStore(store["id"], account_id))
    return stores


async def create_intents(base: str, orders: Sequence[Order], concurrency: int = 32) -> list[str]:
    """Payments for ``orders`` through create-intent, not measured: the intents the answers
    name."""
    queue = list(orders)
    made: list[str] = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:

        async def worker() -> None:
            while queue:
                order = queue.pop()
                _, path, _, body = intent_line(order).split("\t")
                answer = await client.post(
                    path, content=body, headers={"Content-Type": "application/json"}
                )
                answer.raise_for_status()
                made.append(answer.json()["payment_intent_id"])

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return made


def _profiled(folder: Path | None, name: str) -> list[str]:
    """``storepay``, or ``storepay`` under pyinstrument writing a text profile into ``folder``."""
    if folder is None:
        return [str(VENV_BIN / "storepay")]
    folder.mkdir(parents=True, exist_ok=True)
    output = folder / f"storepay-{name}.txt"
    return [
        str(VENV_BIN / "python"),
        "-m",
        "pyinstrument",
        "-r",
        "text",
        "-o",
        str(output),
        "-m",
        "entrypoints.cli",
    ]


def run_configuration(
    kind: str, workers: int, arguments: argparse.Namespace, scratch: Path
) -> dict[str, Any]:
    ports: Ports = arguments.ports
    database_url = fresh_database(kind, scratch, ports.database)
    asyncio.run(create_floor_table(database_url))
    env = storepay_env(database_url, f"http://127.0.0.1:{ports.stripe}")
    storepay_command = [
        *_profiled(arguments.profile, f"{kind}-{workers}"),
        "serve",
        "--port",
        str(ports.storepay),
        "--workers",
        str(workers),
    ]
    floor_command = [
        str(VENV_BIN / "python"),
        "-m",
        "uvicorn",
        "--factory",
        "benchmarks.floor_app:create_app",
        "--port",
        str(ports.floor),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    duration, runs, connections = arguments.duration, arguments.runs, arguments.connections
    result: dict[str, Any] = {"database": kind, "workers": workers}
    load_before = os.getloadavg()
    with (
        running(
            Server(f"stripe-{kind}-{workers}", emulator_command(ports), env, ports.stripe)
        ) as stripe,
        running(Server(f"storepay-{kind}-{workers}", storepay_command, env, ports.storepay)) as app,
        running(Server(f"floor-{kind}-{workers}", floor_command, env, ports.floor)) as floor,
    ):
        stripe.wait_ready("/v1/accounts/acct_probe")
        app.wait_ready("/health")
        floor.wait_ready("/floor/webhook")
        stores = open_stores(app.url, stripe.url)
        store_ids = [store.id for store in stores]
        total_orders = ORDERS_PER_RUN * (runs + 1) + arguments.webhook_orders
        orders = asyncio.run(insert_orders(database_url, store_ids, total_orders))
        used = 0

        def next_orders(count: int) -> list[Order]:
            nonlocal used
            if used + count > len(orders):  # a faster run than foreseen: make more
                more = used + count - len(orders) + arguments.webhook_orders
                orders.extend(
                    asyncio.run(insert_orders(database_url, store_ids, more, len(orders)))
                )
            chosen, used = orders[used : used + count], used + count
            return chosen

        def load(server: Server, lines: list[str]) -> WrkRun:
            return measure(
                server, write_requests(lines, scratch), duration, connections, database_url, stripe
            )

        # (b) create-intent beside its floor.
        intent, intent_floor = Measured(), Measured()
        floor_index = 0
        for run in range(runs + 1):
            lines = [intent_line(order) for order in next_orders(ORDERS_PER_RUN)]
            measured = load(app, lines)
            floor_lines = [
                floor_intent_line(floor_index + i, stores[i % len(stores)].account_id)
                for i in range(ORDERS_PER_RUN)
            ]
            floor_index += ORDERS_PER_RUN
            floor_run = load(floor, floor_lines)
            if run:  # the first run warms up
                intent.add(measured)
                intent_floor.add(floor_run)
            _say(
                f"  {kind}/{workers} create-intent {measured.rate:.0f}/s "
                f"{measured.worker_cpu_ms:.2f} ms CPU (floor {floor_run.rate:.0f}/s "
                f"{floor_run.worker_cpu_ms:.2f} ms)",
                file=sys.stderr,
            )

        # (a) webhook ingestion beside its floor: events for distinct open payments.
        webhook, webhook_floor = Measured(), Measured()
        paid: set[str] = set()
        estimate = max(intent.throughput) * 4
        floor_estimate = 2000.0
        for run in range(runs + 1):
            needed = int(estimate * duration * 1.5) + 500
            # The open payments storepay holds (their intents are the ones the emulator's
            # create-intent answers gave it), and as many more as needed.
            available = [i for i in asyncio.run(open_intents(database_url)) if i not in paid]
            if len(available) < needed:
                more = next_orders(needed - len(available))
                available += asyncio.run(create_intents(app.url, more))
            events = [succeeded_event(intent_id, run) for intent_id in available[:needed]]
            lines = [webhook_line("/webhooks/stripe", payload) for payload in events]
            measured = load(app, lines)
            paid.update(available[:needed])
            # The floor is faster: it gets a list of its own size, so it never runs out either.
            # It keeps whatever event it is sent: the intents it names need only be distinct.
            floor_needed = int(floor_estimate * duration * 1.5) + 500
            floor_events = [succeeded_event(f"pi_floor{run}x{i}", run) for i in range(floor_needed)]
            floor_lines = [webhook_line("/floor/webhook", payload) for payload in floor_events]
            floor_run = load(floor, floor_lines)
            estimate = max(estimate, measured.rate)
            floor_estimate = max(floor_estimate, floor_run.rate)
            if run:
                webhook.add(measured)
                webhook_floor.add(floor_run)
            _say(
                f"  {kind}/{workers} webhooks {measured.rate:.0f}/s "
                f"{measured.worker_cpu_ms:.2f} ms CPU (floor {floor_run.rate:.0f}/s "
                f"{floor_run.worker_cpu_ms:.2f} ms)",
                file=sys.stderr,
            )
        result["storepay_rss_mb"] = app.peak_rss_mb()
        result["floor_rss_mb"] = floor.peak_rss_mb()
        result["stripe_rss_mb"] = stripe.peak_rss_mb()
    result["load_average_before"] = [round(value, 2) for value in load_before]
    result["load_average_after"] = [round(value, 2) for value in os.getloadavg()]
    result["create_intent"] = intent.summary()
    result["create_intent_floor"] = intent_floor.summary()
    result["webhooks"] = webhook.summary()
    result["webhooks_floor"] = webhook_floor.summary()
    return result


# -- the report --------------------------------------------------------------------------------


def table(results: Sequence[dict[str, Any]]) -> str:
    lines = [
        "| scenario | database | workers | throughput (/s) | p50 (ms) | p99 (ms) "
        "| floor (/s) | ratio | peak RSS per worker (MB) | failures |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        scenarios = (("webhook ingestion", "webhooks"), ("create-intent", "create_intent"))
        for scenario, key in scenarios:
            measured, floor = result[key], result[f"{key}_floor"]
            ratio = measured["throughput"] / floor["throughput"] if floor["throughput"] else 0
            rss = ", ".join(f"{value:.0f}" for value in result["storepay_rss_mb"])
            flags = " (ran out of requests)" if measured["exhausted"] else ""
            lines.append(
                f"| {scenario} | {result['database']} | {result['workers']} "
                f"| {measured['throughput']:.0f} | {measured['p50_ms']:.1f} "
                f"| {measured['p99_ms']:.1f} | {floor['throughput']:.0f} | {ratio:.2f} "
                f"| {rss} | {measured['failures']}{flags} |"
            )
    return "\n".join(lines)


def parse_configurations(text: str) -> list[tuple[str, int]]:
    chosen = []
    for item in text.split(","):
        kind, _, workers = item.strip().partition(":")
        if kind not in ("sqlite", "postgresql") or not workers.isdigit():
            raise argparse.ArgumentTypeError(f"{item!r} is not database:workers")
        if kind == "sqlite" and int(workers) != 1:
            raise argparse.ArgumentTypeError("SQLite is served by 1 worker")
        chosen.append((kind, int(workers)))
    return chosen


def parse_ports(text: str) -> Ports:
    parts = text.split(",")
    if len(parts) != 3 or not all(part.strip().isdigit() for part in parts):
        raise argparse.ArgumentTypeError(f"{text!r} is not three ports: stripe,storepay,floor")
    stripe, storepay, floor = (int(part) for part in parts)
    return Ports(stripe, storepay, floor)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--configurations",
        type=parse_configurations,
        default=parse_configurations("sqlite:1,postgresql:1,postgresql:4"),
        help="database:workers, comma-separated (sqlite:1,postgresql:1,postgresql:4)",
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds a run (5)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per figure (3)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument(
        "--webhook-orders",
        type=int,
        default=20000,
        help="orders made up front for the payments the webhook runs pay; more are made when a run "
        "needs them (20000)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="profile storepay (1 worker) with pyinstrument into this folder; slows it down",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results.json")
    parser.add_argument(
        "--ports",
        type=parse_ports,
        default=PORTS,
        help="the Stripe emulator's, storepay's and the floor's ports (12111,18000,18001)",
    )
    arguments = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        _say("benchmarks: wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    taken = arguments.ports.taken()
    if taken:
        _say(f"benchmarks: something listens on {taken} already (see --ports)", file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="storepay-bench-"))
    results = []
    try:
        for kind, workers in arguments.configurations:
            _say(f"{kind}, {workers} worker(s)...", file=sys.stderr)
            results.append(run_configuration(kind, workers, arguments, scratch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report = {
        "machine": machine(),
        "duration_s": arguments.duration,
        "runs": arguments.runs,
        "connections": arguments.connections,
        "results": results,
    }
    arguments.output.write_text(json.dumps(report, indent=2) + "\n")
    _say(table(results))
    return 0


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(int(memory) / 1024 / 1024, 1),
        "python": sys.version.split()[0],
        "packages": {
            name: version(name)
            for name in ("litestar", "uvicorn", "sqlalchemy", "asyncpg", "aiosqlite", "stripe")
        },
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0],
        "postgresql_autovacuum": asyncio.run(postgres_setting("autovacuum")),
    }


def asdict_all(results: Sequence[Measured]) -> list[dict[str, Any]]:
    return [asdict(result) for result in results]


if __name__ == "__main__":
    sys.exit(main())
