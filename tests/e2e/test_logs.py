"""What storepay writes to its logs: one JSON line a request, and nothing a thief could use."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from log_capture import captured_log

from entrypoints.logging import redact

from .conftest import ADMIN, ADMIN_TOKEN, API, StoreKey


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    with captured_log() as stream:
        yield stream


def _records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_each_request_is_one_json_line_without_secrets(
    client: TestClient[Any], store: StoreKey, log_lines: io.StringIO
) -> None:
    client.get(f"{API}/admin/stores/{store.id}", headers=ADMIN)
    client.get(
        f"{API}/store/customers/ana.maria@example.com/payment-methods", headers=store.headers
    )
    client.post(
        f"{API}/admin/stores",
        json={"name": "Card 4242424242424242", "business_email": "bob@shop.example"},
        headers=ADMIN,
    )
    written = log_lines.getvalue()
    access = [record for record in _records(log_lines) if record["logger"] == "storepay.access"]
    assert len(access) == 3
    first = access[0]
    assert first["method"] == "GET"
    assert first["status"] == 200
    assert isinstance(first["duration_ms"], float)
    assert first["path"] == f"{API}/admin/stores/{store.id}"
    for secret in (ADMIN_TOKEN, store.api_key, "ana.maria@", "bob@", "4242424242424242"):
        assert secret not in written
    assert "a***@example.com" in written


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ("key spk_abc-DEF_123 end", "spk_[redacted] end", "abc-DEF_123"),
        ("Authorization: Bearer abc.def-ghi", "Bearer [redacted]", "abc.def-ghi"),
        ("AUTHORIZATION: BEARER abc.def-ghi", "BEARER [redacted]", "abc.def-ghi"),
        ("4242424242424", "[card redacted]", "4242424242424"),
        ("pan 4242 4242 4242 4242 ok", "[card redacted] ok", "4242 4242"),
        ("secret pi_3Ab_secret_XYZ", "pi_3Ab_secret_[redacted]", "XYZ"),
        ("whsec_abcdef and sk_test_123", "whsec_[redacted] and sk_test_[redacted]", "abcdef"),
        ("?customer_session=spcs_Ab-9_x", "spcs_[redacted]", "Ab-9_x"),
        ("mail Ana.Maria@Example.COM", "A***@Example.COM", "na.Maria"),
        ("/customers/bob%40shop.lu/x", "b***%40shop.lu", "bob%40"),
    ],
)
def test_redaction(text: str, kept: str, gone: str) -> None:
    cleaned = redact(text)
    assert kept in cleaned
    assert gone not in cleaned


def test_amounts_and_ids_are_left_alone() -> None:
    assert redact("payment pay_01abc for 1999 EUR at 1732680000") == (
        "payment pay_01abc for 1999 EUR at 1732680000"
    )
