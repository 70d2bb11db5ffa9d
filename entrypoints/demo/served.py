"""The demo's service run as ``storepay serve --workers N`` runs it in simulated mode: the Stripe
emulator in a process of its own, N uvicorn workers, both on free ports of this machine.

The demo's own process then plays the platform and the stores through the use cases, its gateway
talking to the served emulator over HTTP (``STRIPE_API_BASE``, as the workers' does); the emulator
delivers its events to the workers' webhook routes, and they apply them to the shared database.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import IO

from entrypoints.emulator_server import emulator_process
from entrypoints.errors import CommandFailed
from entrypoints.serve import ServeOptions, base_url, pinned_environment
from entrypoints.settings import load_settings

START_SECONDS = 60
STOP_SECONDS = 15
_OWN_PREFIXES = ("STOREPAY_", "STRIPE_", "PROMETHEUS_MULTIPROC_DIR")


def demo_environment(database_url: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The process environment without storepay's or Stripe's settings, then the demo's: the
    simulated gateway on ``database_url``, no reconciliation in the background."""
    kept = {name: value for name, value in environ.items() if not name.startswith(_OWN_PREFIXES)}
    return kept | {
        "STOREPAY_DATABASE_URL": database_url,
        "STOREPAY_GATEWAY": "simulated",
        "STOREPAY_RECONCILE_INTERVAL_SECONDS": "0",
    }


@contextmanager
def served_workers(database_url: str, workers: int) -> Iterator[dict[str, str]]:
    """The emulator and ``workers`` uvicorn workers serving storepay on ``database_url`` (already
    migrated); yields the environment the demo's own service is built from, its
    ``STRIPE_API_BASE`` the served emulator's. Everything is stopped at the end."""
    environ = demo_environment(database_url, os.environ)
    options = ServeOptions(port=_free_port(), workers=workers)
    # Pinned as serve pins them: every process signs and verifies with the same secrets.
    environ |= pinned_environment(load_settings(environ), environ, options)
    with emulator_process(environ, deliver_to=base_url(options)) as api_base:
        environ["STRIPE_API_BASE"] = api_base
        with tempfile.TemporaryFile("w+") as log, _serving(environ, options, log):
            yield environ


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _serving(environ: dict[str, str], options: ServeOptions, log: IO[str]) -> Iterator[None]:
    """``storepay serve`` with the emulator named (it starts none of its own), until it answers
    its health check; then stopped as an operator stops it, with SIGTERM, and killed with its
    workers if it does not stop in time."""
    command = [sys.executable, "-m", "entrypoints.cli", "serve"]
    command += ["--host", options.host, "--port", str(options.port)]
    command += ["--workers", str(options.workers)]
    process = subprocess.Popen(
        command,
        env=environ,
        stdout=log,
        stderr=log,
        start_new_session=True,  # its workers share its process group, stopped together
    )
    try:
        _wait_until_healthy(process, base_url(options), log)
        yield
    finally:
        _stop(process)


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str, log: IO[str]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        if process.poll() is not None:
            log.seek(0)
            said = log.read().strip().splitlines()[-3:]
            raise CommandFailed(
                f"storepay serve exited at start (status {process.returncode}): " + " / ".join(said)
            )
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.HTTPError, OSError):
            pass
        if time.monotonic() > deadline:
            raise CommandFailed(f"storepay serve did not answer on {url} in {START_SECONDS} s")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_SECONDS)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # any worker left behind
    process.wait()
