"""localstripe (PyPI, GPL-3.0, a dev dependency only) in a child process on a free port, and an
endpoint for the webhook events it signs.

It runs unmodified but for two things its ``localstripe`` command does that a test must not:
it loads and rewrites ``/tmp/localstripe.pickle`` on every write (state shared between runs, and
between users of one machine) and listens on ``::`` (IPv6 is not on every CI machine). The
launcher below serves localstripe's own aiohttp application on a socket bound to 127.0.0.1 port 0,
keeps its state in memory only, and prints the port it got.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import IO, Self
from urllib.parse import urlencode

LAUNCHER = """
import logging, socket, sys
from aiohttp import web
from localstripe import resources, server

resources.Store.dump_to_disk = lambda self: None  # state lives in this process only
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s")
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
web.run_app(server.app, sock=sock, print=None, access_log=logging.getLogger("aiohttp.access"))
"""

START_TIMEOUT_SECONDS = 30


class LocalStripe:
    """``with LocalStripe(log_path) as localstripe: localstripe.url ...``"""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.url = ""
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None

    def __enter__(self) -> Self:
        self._log = self.log_path.open("w")
        self._process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER],
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        try:
            assert self._process.stdout is not None
            line = self._process.stdout.readline().strip()
            if not line.isdigit():
                raise RuntimeError(f"localstripe did not start: {self.log()}")
            self.url = f"http://127.0.0.1:{int(line)}"
            self._wait_until_serving()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                # localstripe's Stripe.js stand-in: the one page it serves without a key.
                with urllib.request.urlopen(f"{self.url}/js.stripe.com/v3/", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            assert self._process is not None
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"localstripe did not start: {self.log()}")
            time.sleep(0.1)

    def register_webhook(self, name: str, url: str, secret: str) -> None:
        """localstripe signs every event it makes with ``secret`` and posts it to ``url``."""
        body = urlencode({"url": url, "secret": secret}).encode()
        request = urllib.request.Request(
            f"{self.url}/_config/webhooks/{name}", data=body, method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200, answer.status


@dataclass(frozen=True, slots=True)
class Delivery:
    payload: bytes
    signature_header: str


class WebhookEndpoint:
    """``with WebhookEndpoint() as endpoint: endpoint.url ...``: keeps what it is posted and
    answers 200."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        kept = self.deliveries

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                signature = self.headers.get("Stripe-Signature", "")
                kept.append(Delivery(self.rfile.read(length), signature))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def wait_for(self, event_type: str, object_id: str, timeout: float = 15) -> Delivery:
        """The first event of ``event_type`` about ``object_id`` (localstripe sends each a
        second after the fact)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for delivery in list(self.deliveries):
                event = json.loads(delivery.payload)
                if event["type"] == event_type and event["data"]["object"]["id"] == object_id:
                    return delivery
            time.sleep(0.05)
        raise AssertionError(f"localstripe sent no {event_type} about {object_id}")
