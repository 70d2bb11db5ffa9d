"""What an ``Idempotency-Key`` keeps holds no secret.

A new store's API key and a rotated one are shown once, in the first answer: the answer kept
for replays has ``api_key: null`` and ``api_key_withheld: true``, so nothing readable in the
database lets anyone act as the store.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from e2e.conftest import ADMIN, API, bearer

from .databases import database_url, rows, serving

__all__ = ["database_url"]

pytestmark = pytest.mark.anyio

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
