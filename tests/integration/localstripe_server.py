"""localstripe (PyPI, GPL-3.0, a dev dependency only) in a child process on a free port, and an
endpoint for the webhook events it signs.

It runs unmodified but for two things its ``localstripe`` command does that a test must not:
it loads and rewrites ``/tmp/localstripe.pickle`` on every write (state shared between runs, and
between users of one machine) and listens on ``::`` (IPv6 is not on every CI machine). The
launcher below serves localstripe's own aiohttp application on a socket bound to 127.0.0.1 port 0,
keeps its state in memory only, and prints the port it got once the socket listens: a request
sent from then on waits in the socket's queue until the application takes it.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

LAUNCHER = """
import logging, socket, sys
from aiohttp import web
from localstripe import resources, server

resources.Store.dump_to_disk = lambda self: None  # state lives in this process only
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s")
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.bind(("127.0.0.1", 0))
sock.listen(128)
print(sock.getsockname()[1], flush=True)
web.run_app(server.app, sock=sock, print=None, access_log=logging.getLogger("aiohttp.access"))
"""


@contextlib.contextmanager
def local_stripe(log_path: Path) -> Iterator[str]:
    """localstripe's address while it runs; what it logs goes to ``log_path``."""
    with (
        log_path.open("w") as log,
        subprocess.Popen(
            [sys.executable, "-c", LAUNCHER], stdout=subprocess.PIPE, stderr=log, text=True
        ) as process,
    ):
        try:
            assert process.stdout is not None
            port = process.stdout.readline().strip()
            if not port.isdigit():
                raise RuntimeError(f"localstripe did not start: {log_path.read_text()}")
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def register_webhook(localstripe: str, name: str, url: str, secret: str) -> None:
    """localstripe signs every event it makes with ``secret`` and posts it to ``url``."""
    request = urllib.request.Request(
        f"{localstripe}/_config/webhooks/{name}",
        data=urlencode({"url": url, "secret": secret}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200, answer.status


@dataclass(frozen=True, slots=True)
class Delivery:
    payload: bytes
    signature_header: str


@dataclass
class WebhookEndpoint:
    url: str
    deliveries: list[Delivery] = field(default_factory=list)

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


@contextlib.contextmanager
def webhook_endpoint() -> Iterator[WebhookEndpoint]:
    """An endpoint on a free port that keeps what it is posted and answers 200."""
    kept: list[Delivery] = []

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

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield WebhookEndpoint(f"http://127.0.0.1:{server.server_address[1]}/", kept)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
