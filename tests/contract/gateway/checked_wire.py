"""The Stripe emulator's in-process wire, checked and made to fail on demand.

Every request the Stripe adapter sends is held against the table of what it may send
(``expected_requests``) before the emulator answers it, and remembered with the answer. A test can
make the next attempts fail as an ailing Stripe or network would: a 5xx or a 429, or a connection
dropped before Stripe received the request or after it did the work. The SDK's backoff between
retries is recorded, not slept. Everything else (replays, refusals, the idempotency rules) is the
emulator's ``StripeApi``, as storepay meets it in simulated mode.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import msgspec
import stripe

from adapters.stripe_emulator import EmulatedStripe, EmulatorError, StripeApi

from .expected_requests import expectation_for

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Sent:
    """A request as Stripe received it, and what it answered."""

    operation: str
    method: str
    path: str
    fields: dict[str, str]
    idempotency_key: str | None
    status: int
    answer: JSON
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class Interruption:
    """The next attempt fails: with ``status`` (a 5xx, a 429) or, without one, a dropped
    connection; ``after_processing`` drops it only once Stripe has done the work."""

    status: int | None = None
    after_processing: bool = False


class CheckedWire(EmulatedStripe):
    name = "stripe-emulator-checked"

    def __init__(self, api: StripeApi) -> None:
        super().__init__(api)
        self._interruptions: list[Interruption] = []
        self.sent: list[Sent] = []
        self.attempts = 0
        self.slept: list[float] = []

    def interrupt(self, *interruptions: Interruption) -> None:
        self._interruptions.extend(interruptions)

    async def sleep_async(self, secs: float) -> None:
        self.slept.append(secs)  # the SDK's backoff between retries, without the wait

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        self.attempts += 1
        method = method.upper()
        parts = urlsplit(url)
        assert headers.get("Stripe-Version") == stripe.api_version
        if method == "POST":
            assert headers.get("Content-Type") == "application/x-www-form-urlencoded"
        fields = _fields(parts.query if method == "GET" else post_data or "")
        key = headers.get("Idempotency-Key")
        expectation, groups = expectation_for(method, parts.path)
        expectation.verify(groups, fields, key, headers.get("Stripe-Account"))

        interruption = self._interruptions.pop(0) if self._interruptions else None
        if interruption is not None and not interruption.after_processing:
            return _failed(interruption)
        body, status, answer_headers = await super().request_async(method, url, headers, post_data)
        replayed = answer_headers.get("idempotent-replayed") == "true"
        self.sent.append(
            Sent(
                expectation.name,
                method,
                parts.path,
                fields,
                key,
                status,
                json.loads(body),
                replayed=replayed,
            )
        )
        if interruption is not None:
            return _failed(interruption)
        return body, status, answer_headers


def _fields(encoded: str | bytes) -> dict[str, str]:
    text = encoded.decode() if isinstance(encoded, bytes) else encoded
    pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    fields = dict(pairs)
    assert len(fields) == len(pairs), f"a field sent twice: {pairs}"
    return fields


def _failed(interruption: Interruption) -> tuple[bytes, int, Mapping[str, str]]:
    if interruption.status is None:
        raise stripe.APIConnectionError(  # type: ignore[no-untyped-call]
            "the connection to Stripe dropped", should_retry=True
        )
    if interruption.status == 429:
        error = EmulatorError(
            "Too many requests hit the API too quickly.", status=429, code="rate_limit"
        )
    else:
        error = EmulatorError(
            "Stripe had a problem (injected).", status=interruption.status, type="api_error"
        )
    return msgspec.json.encode(error.to_stripe()), error.status, {}
