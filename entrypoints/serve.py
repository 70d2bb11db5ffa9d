"""``storepay serve``: check the settings, migrate the database, then serve HTTP with uvicorn.

Each uvicorn worker builds its own settings from the environment, so whatever start-up generated
(the admin token, the webhook secret) is written back into the environment first: every worker
then accepts the same token and verifies the same signatures.

With several workers in simulated mode, the Stripe emulator runs once, in a process of its own
(``entrypoints.emulator_server``), and every worker talks to it over HTTP as it would to Stripe;
it delivers its events to the service's webhook routes. With one worker it stays in process.

With several workers, their metrics are summed through files in a fresh directory
(``PROMETHEUS_MULTIPROC_DIR``, prometheus_client's multiprocess mode), made before the workers
start and removed when serve stops. Client addresses come from the connection itself, unless
``--forwarded-allow-ips`` names the proxies whose ``X-Forwarded-For`` is believed.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any, TextIO

import uvicorn
from litestar import Litestar

from adapters.prometheus.multiprocess import DIRECTORY_VARIABLE, forget_worker, shared_directory
from entrypoints.container import build_service
from entrypoints.database import migrate, shown
from entrypoints.errors import CommandFailed
from entrypoints.settings import GatewayKind, Settings, load_settings

APP_FACTORY = "entrypoints.serve:served_app"
API_PREFIX = "/api/v1"
_ANY_ADDRESS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


@dataclass(frozen=True, slots=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    forwarded_allow_ips: str | None = None  # the proxies believed; None: no proxy is


def log_config(level: str = "INFO") -> dict[str, Any]:
    """uvicorn's logging, in every worker: JSON lines on stderr, secrets masked
    (``entrypoints.logging``). The app logs one access line a request, so uvicorn's is off."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "entrypoints.logging.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            name: {"handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "litestar")
        },
    }


GC_THRESHOLDS = (20_000, 20, 100)  # young, middle and old generations (CPython: 700, 10, 10)


def served_app() -> Litestar:
    """The app each uvicorn worker serves: ``create_app`` from the environment, then the
    process's logging put back, because Litestar installs handlers of its own on the root logger
    when an app is built (unmasked, and not JSON)."""
    from entrypoints.http.app import create_app
    from entrypoints.logging import configure_logging

    app = create_app()
    directory = shared_directory()
    if directory is not None:
        # The worker's live gauges (requests in progress) leave the sum when it stops.
        app.on_shutdown.append(lambda: forget_worker(os.getpid(), directory))
    configure_logging()
    logging.getLogger("uvicorn.access").propagate = False  # the app logs one line a request
    settle_garbage_collection()
    return app


def settle_garbage_collection() -> None:
    """Tune the collector for a long-running server, once its app is built.

    What start-up made (modules, the app, compiled statements) lives as long as the process:
    frozen, the collector no longer walks it on every full pass. A request allocates thousands
    of short-lived objects, most freed by reference counting alone: at CPython's default (a
    young collection every 700 net allocations) the collector ran several times a request.
    Under wrk at 32 connections this took webhooks on PostgreSQL from 3.1 to 2.4 ms of CPU a
    request (1 worker, 305 -> 400/s). Cycles are still collected, in larger batches."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def base_url(options: ServeOptions) -> str:
    """Where a browser on this machine reaches the service."""
    host = _ANY_ADDRESS.get(options.host, options.host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{options.port}"


def pinned_environment(
    settings: Settings, environ: Mapping[str, str], options: ServeOptions
) -> dict[str, str]:
    """The variables to set so that every worker builds the same settings as this process."""
    pinned: dict[str, str] = {}
    if settings.admin_token_generated:
        pinned["STOREPAY_ADMIN_TOKEN"] = settings.admin_token
    if not environ.get("STRIPE_WEBHOOK_SECRET", "").strip():
        pinned["STRIPE_WEBHOOK_SECRET"] = settings.webhook_secret
    if not environ.get("STOREPAY_PUBLIC_URL", "").strip():
        # Links the service hands out (onboarding, checkout) point where it really listens.
        pinned["STOREPAY_PUBLIC_URL"] = base_url(options)
    return pinned


def check(settings: Settings) -> None:
    """Refuse a contradictory start with one line, before anything listens."""
    build_service(settings).adapters.gateway()  # a gateway that cannot be built says so now


def runs_its_emulator(settings: Settings, options: ServeOptions) -> bool:
    """Several workers in simulated mode share one Stripe emulator, in a process of its own
    (unless ``STRIPE_API_BASE`` names one already running). One worker keeps it in process: no
    HTTP between them, no second process to start, and the same emulator all the same."""
    return (
        settings.gateway is GatewayKind.SIMULATED
        and settings.stripe_api_base is None
        and options.workers > 1
    )


def unavailable_address(options: ServeOptions) -> str | None:
    """Why uvicorn could not listen where asked, found out before anything is printed."""
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            options.host, options.port, type=socket.SOCK_STREAM
        )[0]
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind(address)
    except OSError as error:
        return f"cannot listen on {options.host}:{options.port}: {error.strerror or error}"
    return None


def banner(
    settings: Settings, options: ServeOptions, version: str, emulator: str | None = None
) -> str:
    url = base_url(options)
    workers = "1 worker" if options.workers == 1 else f"{options.workers} workers"
    lines = [
        f"storepay {version} on {url} ({settings.gateway.value} gateway, "
        f"database {shown(settings.database_url)}, {workers})",
    ]
    if emulator is not None:
        lines.append(f"  the Stripe emulator on {emulator}, one process for every worker")
    if settings.admin_token_generated:
        lines += [
            "",
            f"  Admin token: {settings.admin_token}",
            "  (generated for this run and shown only now; set STOREPAY_ADMIN_TOKEN to keep one)",
        ]
    lines += [
        "",
        f"  API       {url}{API_PREFIX}",
        f"  API docs  {url}/schema",
        f"  Health    {url}/health",
        '  Next      README.md, "A tour with curl": a whole payment, step by step',
        "",
    ]
    return "\n".join(lines)


@contextmanager
def _stopped_by_signal() -> Iterator[list[int]]:
    """uvicorn shuts down gracefully on SIGINT/SIGTERM, then raises the signal again for the
    previous handler; this handler takes it, so a requested stop exits with status 0."""
    received: list[int] = []

    def remember(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)

    signals = [signal.SIGINT, signal.SIGTERM]
    previous = {signum: signal.signal(signum, remember) for signum in signals}
    try:
        yield received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def serve(
    options: ServeOptions,
    *,
    version: str,
    environ: MutableMapping[str, str] = os.environ,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    settings = load_settings(environ)
    check(settings)
    problem = unavailable_address(options)
    if problem is not None:
        raise CommandFailed(problem)
    environ.update(pinned_environment(settings, environ, options))
    migration = asyncio.run(migrate(settings.database_url))
    print(f"storepay: {migration.describe()}", file=out)
    with (
        _stopped_by_signal(),
        _metrics_shared_by(options.workers, environ),
        _emulator_shared_by(settings, options, environ) as emulator,
    ):
        print(banner(settings, options, version, emulator), file=out, flush=True)
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=options.host,
            port=options.port,
            workers=options.workers,
            lifespan="on",
            log_config=log_config(),
            access_log=False,
            server_header=False,
            # Off unless asked: X-Forwarded-For from anyone else must not choose the address
            # the rate limit counts (uvicorn believes 127.0.0.1 by default).
            proxy_headers=options.forwarded_allow_ips is not None,
            forwarded_allow_ips=options.forwarded_allow_ips,
        )
    print("storepay: stopped", file=out, flush=True)
    return 0


@contextmanager
def _emulator_shared_by(
    settings: Settings, options: ServeOptions, environ: MutableMapping[str, str]
) -> Iterator[str | None]:
    """The one Stripe emulator several simulated workers talk to, in a process of its own,
    delivering its events to this service; the workers find it at ``STRIPE_API_BASE``. Yields
    its address, or ``None`` when the workers need none started."""
    if not runs_its_emulator(settings, options):
        yield None
        return
    from entrypoints.emulator_server import emulator_process

    with emulator_process(environ, deliver_to=base_url(options)) as url:
        environ["STRIPE_API_BASE"] = url
        try:
            yield url
        finally:
            environ.pop("STRIPE_API_BASE", None)


@contextmanager
def _metrics_shared_by(workers: int, environ: MutableMapping[str, str]) -> Iterator[None]:
    """Several workers sum their metrics through a fresh directory, removed at the end; one
    worker counts in its own memory."""
    environ.pop(DIRECTORY_VARIABLE, None)
    if workers == 1:
        yield
        return
    directory = tempfile.mkdtemp(prefix="storepay-metrics-")
    environ[DIRECTORY_VARIABLE] = directory
    try:
        yield
    finally:
        environ.pop(DIRECTORY_VARIABLE, None)
        shutil.rmtree(directory, ignore_errors=True)
