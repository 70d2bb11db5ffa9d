"""A request body that arrives too slowly is cut off: ``408 request_timeout`` once
``STOREPAY_REQUEST_BODY_TIMEOUT_SECONDS`` have passed without the whole body, and the connection
is closed. Without it, a client sending a byte a second held a worker's request (and whatever it
had taken) for as long as it liked.

Run against a real uvicorn server over a raw socket, as a slow client would; a body sent at a
normal pace (an event of 1 MiB included) is unaffected.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from e2e.conftest import ADMIN_TOKEN, API
from e2e.shopping import signed

from adapters.sqlalchemy.migrations import upgrade
from entrypoints.container import build_service
from entrypoints.http.app import create_app
from entrypoints.settings import load_settings

TIMEOUT_SECONDS = 1
WEBHOOK_SECRET = "whsec_slow_bodies"


@contextmanager
def _uvicorn(database: Path) -> Iterator[tuple[int, Path]]:
    url = f"sqlite+aiosqlite:///{database}"
    asyncio.run(upgrade(url))
    service = build_service(
        load_settings(
            {
                "STOREPAY_DATABASE_URL": url,
                "STOREPAY_ADMIN_TOKEN": ADMIN_TOKEN,
                "STOREPAY_GATEWAY": "simulated",
                "STOREPAY_RECONCILE_INTERVAL_SECONDS": "0",
                "STOREPAY_REQUEST_BODY_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
                "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            }
        )
    )
    with socket.socket() as listening:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind(("127.0.0.1", 0))
        port = listening.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(create_app(service), log_config=None, lifespan="on", access_log=False)
        )
        thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 20
            while not server.started:
                assert time.monotonic() < deadline, "uvicorn did not start"
                time.sleep(0.05)
            yield port, database
        finally:
            server.should_exit = True
            thread.join(timeout=20)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    with _uvicorn(tmp_path_factory.mktemp("slow") / "storepay.sqlite3") as running:
        yield running


def _head(path: str, length: int, **headers: str) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        f"Content-Length: {length}",
        *(f"{name}: {value}" for name, value in headers.items()),
        "",
        "",
    ]
    return "\r\n".join(lines).encode()


def _answer(connection: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """The status, headers and body of one HTTP/1.1 answer (read until the connection closes or
    the body announced is whole)."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(65536)
        assert chunk, f"closed without an answer: {received!r}"
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {
        name.strip().lower(): value.strip()
        for name, value in (line.split(":", 1) for line in header_lines)
    }
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(status_line.split(" ")[1]), headers, body


def _stores(database: Path) -> int:
    import sqlite3

    with sqlite3.connect(database) as connection:
        return int(connection.execute("SELECT count(*) FROM stores").fetchone()[0])


def test_a_body_sent_byte_by_byte_is_cut_off_with_408(server: tuple[int, Path]) -> None:
    port, database = server
    body = json.dumps({"name": "Slow", "business_email": "slow@shop.example"}).encode()
    before = _stores(database)
    started = time.monotonic()

    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(
            _head(f"{API}/admin/stores", len(body), Authorization=f"Bearer {ADMIN_TOKEN}")
        )
        answered: tuple[int, dict[str, str], bytes] | None = None
        for byte in body:
            try:
                connection.sendall(bytes([byte]))
            except OSError:  # the server closed the connection: read what it said
                break
            connection.settimeout(0.3)
            try:
                answered = _answer(connection)
                break
            except TimeoutError:
                continue
            finally:
                connection.settimeout(10)
        status, headers, answer = answered or _answer(connection)
        elapsed = time.monotonic() - started
        connection.settimeout(5)
        closed = connection.recv(1) == b""

    assert status == 408
    assert headers["content-type"].startswith("application/problem+json")
    problem = json.loads(answer)
    assert problem["code"] == "request_timeout"
    assert TIMEOUT_SECONDS <= elapsed < TIMEOUT_SECONDS + 3
    assert closed, "the connection is closed after a 408"
    assert _stores(database) == before


def test_a_body_that_never_comes_is_cut_off_too(server: tuple[int, Path]) -> None:
    port, _ = server

    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(_head(f"{API}/admin/stores", 100, Authorization=f"Bearer {ADMIN_TOKEN}"))
        status, _, answer = _answer(connection)

    assert status == 408
    assert json.loads(answer)["code"] == "request_timeout"


def test_a_body_sent_in_pieces_in_time_is_received(server: tuple[int, Path]) -> None:
    port, database = server
    body = json.dumps({"name": "Steady", "business_email": "steady@shop.example"}).encode()
    before = _stores(database)

    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(
            _head(f"{API}/admin/stores", len(body), Authorization=f"Bearer {ADMIN_TOKEN}")
        )
        for piece in (body[:10], body[10:30], body[30:]):
            time.sleep(TIMEOUT_SECONDS / 5)
            connection.sendall(piece)
        status, _, answer = _answer(connection)

    assert status == 201, answer
    assert _stores(database) == before + 1


def test_a_large_webhook_at_a_normal_pace_is_received(server: tuple[int, Path]) -> None:
    port, _ = server
    event = {
        "id": "evt_slow_large",
        "object": "event",
        "created": int(time.time()),
        "livemode": False,
        "type": "customer.created",
        "data": {"object": {"id": "cus_1", "object": "customer", "note": "x" * 1_000_000}},
    }
    body, headers = signed(event, WEBHOOK_SECRET)

    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(_head("/webhooks/stripe", len(body), **headers))
        for start in range(0, len(body), 64 * 1024):
            connection.sendall(body[start : start + 64 * 1024])
        status, _, answer = _answer(connection)

    assert status == 200, answer
    assert json.loads(answer) == {"received": True}


def test_a_request_without_a_body_is_not_timed(server: tuple[int, Path]) -> None:
    port, _ = server

    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        time.sleep(TIMEOUT_SECONDS * 1.5)
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first, _, _ = _answer(connection)

    assert first == 200
