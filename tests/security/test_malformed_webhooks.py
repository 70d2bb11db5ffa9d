"""Authentic (signed) webhook bodies that are not events storepay can read: each is refused with
``400 invalid_event``, nothing is stored, and the request leaves one readable log line.

Deep nesting, lone surrogates, timestamps and amounts out of range, and numbers of the wrong kind
once answered 500 (a RecursionError, a UnicodeEncodeError, an OverflowError), and a surrogate
broke the JSON log formatter so the error's own record was lost.
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.conftest import assert_problem, service_for
from e2e.shopping import signed
from litestar.testing import TestClient
from log_capture import captured_log

from entrypoints.container import Service
from security.malformed_events import MALFORMED

PLATFORM_SECRET = "whsec_malformed_platform"
CONNECT_SECRET = "whsec_malformed_connect"


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return service_for(
        tmp_path / "malformed.sqlite3",
        STRIPE_WEBHOOK_SECRET=PLATFORM_SECRET,
        STRIPE_CONNECT_WEBHOOK_SECRET=CONNECT_SECRET,
    )


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    with captured_log() as stream:
        yield stream


def _stored(service: Service) -> dict[str, list[tuple[Any, ...]]]:
    path = service.settings().database_url.removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as connection:
        return {
            table: connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("inbox_events", "payments", "refunds", "payment_methods")
        }


@pytest.mark.parametrize("connect", [False, True], ids=["platform", "connect"])
@pytest.mark.parametrize("malformed", sorted(MALFORMED))
def test_a_signed_malformed_body_is_400_invalid_event_with_one_log_line(
    client: TestClient[Any],
    service: Service,
    log_lines: io.StringIO,
    malformed: str,
    connect: bool,
) -> None:
    path, secret = (
        ("/webhooks/stripe/connect", CONNECT_SECRET)
        if connect
        else ("/webhooks/stripe", PLATFORM_SECRET)
    )
    before = _stored(service)
    body, headers = signed(MALFORMED[malformed], secret)
    log_lines.truncate(0)
    log_lines.seek(0)

    response = client.post(path, content=body, headers=headers)

    assert_problem(response, 400, "invalid_event")
    assert _stored(service) == before
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines() if line.strip()]
    mine = [line for line in lines if line["logger"].startswith(("storepay", "entrypoints"))]
    assert [(line["logger"], line["status"]) for line in mine] == [("storepay.access", 400)]
