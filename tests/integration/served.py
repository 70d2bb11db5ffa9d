"""The real ``storepay serve`` in a subprocess, on a free port, for tests: started, waited for
(generously: the machines running the tests are often loaded), asked over HTTP, stopped."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STOREPAY = Path(sys.executable).with_name("storepay")
ADMIN_TOKEN = "spa_served_admin_token_0123456789"
START_SECONDS = 90
STOP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]
    log: Path  # the JSON lines the server wrote on stderr

    def get(
        self, path: str, headers: dict[str, str] | None = None, timeout: float = 30
    ) -> tuple[int, dict[str, str], str]:
        """One request on a connection of its own: status, headers, body."""
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def post(
        self, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        """One JSON POST on a connection of its own: status and decoded answer."""
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps({} if body is None else body).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def records(self) -> list[dict[str, Any]]:
        return [
            json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")
        ]

    def access_records(self, path: str, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        """The access log's records of ``path``, once there are ``count`` of them: a request's
        line is written just after its answer is sent, so the last may still be on its way."""
        deadline = time.monotonic() + timeout
        while True:
            found = [record for record in self.records() if record.get("path") == path]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


def environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The test process's environment without any storepay or Stripe setting, plus these."""
    kept = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STOREPAY_", "STRIPE_", "PROMETHEUS_", "FORWARDED_ALLOW_IPS"))
    }
    return {
        **kept,
        "STOREPAY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'served.db'}",
        "STOREPAY_ADMIN_TOKEN": ADMIN_TOKEN,
        "STOREPAY_RECONCILE_INTERVAL_SECONDS": "0",
        **settings,
    }


def stripe_settings() -> dict[str, str]:
    """The Stripe gateway (several workers need it), pointed at an address where nothing
    listens: the tests that use it never reach Stripe."""
    return {
        "STOREPAY_GATEWAY": "stripe",
        "STRIPE_SECRET_KEY": "sk_test_served_0123456789",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_served_0123456789",
        "STRIPE_WEBHOOK_SECRET": "whsec_served_0123456789",
        "STRIPE_API_BASE": f"http://127.0.0.1:{free_port()}",
    }


@contextmanager
def served(tmp_path: Path, *options: str, workers: int = 1, **settings: str) -> Iterator[Served]:
    """``storepay serve --workers workers`` with ``options``, its settings from ``settings``
    alone, once every worker has started."""
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    with (
        log.open("w") as stderr,
        subprocess.Popen(
            [str(STOREPAY), "serve", "--port", str(port), "--workers", str(workers), *options],
            cwd=tmp_path,
            env=environment(tmp_path, **settings),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        ) as process,
    ):
        server = Served(f"http://127.0.0.1:{port}", process, log)
        try:
            _wait_until_up(server, workers)
            yield server
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)


def _wait_until_up(server: Served, workers: int) -> None:
    started = time.monotonic()
    while True:
        if server.process.poll() is not None:
            raise AssertionError("serve exited:\n" + server.log.read_text())
        try:
            up = server.get("/health", timeout=5)[0] == 200
        except OSError:
            up = False
        if up and _started_workers(server) >= workers:
            return
        if time.monotonic() - started > START_SECONDS:
            raise AssertionError("serve never answered /health:\n" + server.log.read_text())
        time.sleep(0.2)


def _started_workers(server: Served) -> int:
    lines = server.log.read_text().splitlines()
    return sum('"Application startup complete."' in line for line in lines)
