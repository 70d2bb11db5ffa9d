"""A webhook endpoint for the emulator's own tests: keeps what it is sent and answers 200."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self


@dataclass(frozen=True, slots=True)
class Received:
    path: str
    signature: str
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        document = json.loads(self.body)
        assert isinstance(document, dict)
        return document


class WebhookReceiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                receiver.received.append(
                    Received(
                        self.path, self.headers.get("Stripe-Signature", ""), self.rfile.read(length)
                    )
                )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
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

    def wait_for(
        self, event_type: str, object_id: str, *, path: str, timeout: float = 15
    ) -> Received:
        """The first event of ``event_type`` about ``object_id`` posted to ``path`` (waits)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for item in list(self.received):
                event = item.event
                if (
                    item.path == path
                    and event.get("type") == event_type
                    and event["data"]["object"].get("id") == object_id
                ):
                    return item
            time.sleep(0.05)
        seen = [(item.path, item.event.get("type")) for item in self.received]
        raise AssertionError(f"no {event_type} at {path}; received {seen}")
