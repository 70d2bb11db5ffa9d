"""The emulator served by uvicorn on a thread of the test process, on a port of its own."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Self

import uvicorn

from .proxy import StripeEmulator

START_TIMEOUT_SECONDS = 15


class EmulatorServer:
    """``with EmulatorServer(StripeEmulator(localstripe.url)) as server: server.url ...``"""

    def __init__(self, emulator: StripeEmulator) -> None:
        self.emulator = emulator
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        port: int = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        emulator.public_url = self.url
        config = uvicorn.Config(
            emulator,
            lifespan="on",
            log_level="warning",
            access_log=False,
            ws="none",  # no websockets: nothing to import, nothing to warn about
            timeout_graceful_shutdown=5,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def __enter__(self) -> Self:
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Stripe emulator did not start")
            time.sleep(0.02)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._socket.close()
