"""What an ``Idempotency-Key`` keeps holds no secret, and is kept 24 hours only.

A new store's API key and a rotated one are shown once, in the first answer: the answer kept
for replays has ``api_key: null`` and ``api_key_withheld: true``, so nothing readable in the
database lets anyone act as the store. The records of requests are purged once 24 hours old,
by the reconciliation that ``serve`` runs in the background and ``storepay reconcile`` runs;
a refund's own record (which refund a key made) is kept, since a retry of a refund must never
refund twice.
"""

from __future__ import annotations

import asyncio
import base64
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from contract.databases import sqlite_url
from e2e.conftest import ADMIN, ADMIN_TOKEN, API, bearer
from litestar.testing import TestClient

from adapters.sqlalchemy import upgrade
from adapters.system.clock import ManualClock
from application.ports import IdempotencyRecord
from entrypoints.container import build_service
from entrypoints.http.app import create_app
from entrypoints.settings import load_settings

from .databases import database_url, rows, serving

__all__ = ["database_url"]

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
STORE = {"name": "Atelier Ana", "business_email": "owner@atelier.example"}


def readable_anywhere(secret: str, stored: list[tuple[Any, ...]]) -> bool:
    """Whether ``secret`` (or its random part) can be read in any column of any row, as it is
    or in base64 (how JSON carries bytes)."""
    texts = [
        bytes(value).decode(errors="replace") if isinstance(value, bytes) else str(value)
        for row in stored
        for value in row
    ]
    decoded = [
        base64.b64decode(run + "=" * (-len(run) % 4)).decode(errors="replace")
        for text in texts
        for run in re.findall(r"[A-Za-z0-9+/]{16,}", text)
    ]
    random_part = secret.split("_", 1)[1]
    return any(secret in text or random_part in text for text in texts + decoded)


async def test_the_answers_kept_for_replays_hold_no_api_key(database_url: str) -> None:
    async with serving(database_url) as (client, _):
        opened = await client.post(
            f"{API}/admin/stores", json=STORE, headers={**ADMIN, "Idempotency-Key": "open-1"}
        )
        store_id = opened.json()["id"]
        rotated = await client.post(
            f"{API}/admin/stores/{store_id}/api-keys",
            headers={**ADMIN, "Idempotency-Key": "rotate-1"},
        )
        kept = await rows(database_url, "SELECT * FROM idempotency_records")
        opened_again = await client.post(
            f"{API}/admin/stores", json=STORE, headers={**ADMIN, "Idempotency-Key": "open-1"}
        )
        rotated_again = await client.post(
            f"{API}/admin/stores/{store_id}/api-keys",
            headers={**ADMIN, "Idempotency-Key": "rotate-1"},
        )
        works = await client.get(
            f"{API}/store/payments/config", headers=bearer(rotated.json()["api_key"])
        )

    assert (opened.status_code, rotated.status_code) == (201, 201)
    assert len(kept) == 2
    for answer in (opened, rotated):
        assert answer.json()["api_key"].startswith("spk_")
        assert not readable_anywhere(answer.json()["api_key"], kept)
        assert answer.json()["api_key_withheld"] is False
    for first, replay in ((opened, opened_again), (rotated, rotated_again)):
        assert replay.status_code == 201
        assert replay.headers["Idempotent-Replayed"] == "true"
        assert replay.json() == first.json() | {"api_key": None, "api_key_withheld": True}
    assert works.status_code == 200  # the replay changed nothing


async def request_keys(url: str) -> list[str]:
    return [key for (key,) in await rows(url, "SELECT key FROM idempotency_records ORDER BY key")]


async def test_request_records_a_day_old_are_purged_by_reconciliation_refund_records_kept(
    database_url: str,
) -> None:
    clock = ManualClock(T0)
    async with serving(database_url, clock=clock) as (client, service):
        first = await client.post(
            f"{API}/admin/stores", json=STORE, headers={**ADMIN, "Idempotency-Key": "open-1"}
        )
        async with service.adapters.uow_factory()() as uow:
            # A refund's own record: which refund its key made (see RefundPayment).
            await uow.idempotency.add(
                IdempotencyRecord(first.json()["id"], "refund:r-1", "sha", b"rf_1", T0)
            )
            await uow.commit()
        clock.advance(timedelta(hours=23))
        await client.post(
            f"{API}/admin/stores", json=STORE, headers={**ADMIN, "Idempotency-Key": "open-2"}
        )
        clock.advance(timedelta(hours=1, seconds=1))
        report = await service.use_cases().reconcile()
        kept = await request_keys(database_url)
        again = await client.post(
            f"{API}/admin/stores", json=STORE, headers={**ADMIN, "Idempotency-Key": "open-1"}
        )

    assert report.idempotency_records_purged == 1
    assert kept == ["refund:r-1", "request:open-2"]
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"]  # the key is free again: a new request


def test_serve_purges_in_its_background_reconciliation(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    asyncio.run(upgrade(url))
    settings = {
        "STOREPAY_DATABASE_URL": url,
        "STOREPAY_ADMIN_TOKEN": ADMIN_TOKEN,
        "STOREPAY_GATEWAY": "simulated",
        "STOREPAY_RECONCILE_INTERVAL_SECONDS": "0",
    }
    a_day_ago = datetime.now(UTC) - timedelta(days=1, minutes=1)
    service = build_service(load_settings(settings))
    with (
        service.adapters.clock.override(ManualClock(a_day_ago)),
        TestClient(create_app(service)) as client,
    ):
        opened = client.post(
            f"{API}/admin/stores", json=STORE, headers={**ADMIN, "Idempotency-Key": "open-1"}
        )
    assert opened.status_code == 201
    assert asyncio.run(request_keys(url)) == ["request:open-1"]

    served = build_service(load_settings({**settings, "STOREPAY_RECONCILE_INTERVAL_SECONDS": "60"}))
    with TestClient(create_app(served)):  # its first pass runs at start-up
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        while asyncio.run(request_keys(url)) and datetime.now(UTC) < deadline:
            asyncio.run(asyncio.sleep(0.05))
        left = asyncio.run(request_keys(url))

    assert left == []
