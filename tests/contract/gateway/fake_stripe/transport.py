"""An in-process Stripe for stripe-python: a ``stripe.HTTPClient`` that checks each request
against the expectation table, keeps Stripe's idempotency rules, and answers from a simulated
gateway. The SDK's encoding, decoding, retries and error classes all run as they do in service.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn
from urllib.parse import parse_qsl, urlsplit

import anyio.lowlevel
import stripe

from adapters.simulated import SimulatedGateway
from domain.errors import DomainError

from .api import JSON, StripeApi
from .expectations import EXPECTATIONS, expectation_for

API_BASE = "https://stripe.invalid"


@dataclass(frozen=True, slots=True)
class Sent:
    """A request as Stripe received it, and what it answered."""

    operation: str
    method: str
    path: str
    fields: dict[str, str]
    idempotency_key: str | None
    status: int
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class Interruption:
    """The next attempt fails: with ``status`` (a 5xx, a 429) or, without one, a dropped
    connection; ``after_processing`` drops it only once Stripe has done the work."""

    status: int | None = None
    after_processing: bool = False


@dataclass(frozen=True, slots=True)
class _Stored:
    request: tuple[str, str, tuple[tuple[str, str], ...]]
    status: int
    body: JSON


class FakeStripe(stripe.HTTPClient):
    name = "fake-stripe"

    def __init__(
        self,
        simulator: SimulatedGateway,
        *,
        secret_key: str,
        clock: Callable[[], datetime],
        api_base: str = API_BASE,
    ) -> None:
        super().__init__()
        self._api = StripeApi(simulator, clock)
        assert {e.name for e in EXPECTATIONS} == self._api.operations
        self._secret_key = secret_key
        self._api_base = api_base
        self._stored: dict[str, _Stored] = {}
        self._interruptions: list[Interruption] = []
        self._request_ids = itertools.count(1)
        self.sent: list[Sent] = []
        self.attempts = 0
        self.slept: list[float] = []

    def interrupt(self, *interruptions: Interruption) -> None:
        self._interruptions.extend(interruptions)

    # -- the HTTPClient interface -----------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> NoReturn:
        raise AssertionError(f"storepay called Stripe synchronously: {method} {url}")

    def close(self) -> None:
        pass

    async def close_async(self) -> None:
        pass

    async def sleep_async(self, secs: float) -> None:
        self.slept.append(secs)  # the SDK's backoff between retries, without the wait

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        await anyio.lowlevel.checkpoint()  # concurrent calls interleave, as over a network
        self.attempts += 1
        method = method.upper()
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == self._api_base, url
        assert headers.get("Authorization") == f"Bearer {self._secret_key}"
        assert headers.get("Stripe-Version") == stripe.api_version
        if method == "POST":
            assert headers.get("Content-Type") == "application/x-www-form-urlencoded"
        fields = _fields(parts.query if method == "GET" else post_data or "")
        key = headers.get("Idempotency-Key")
        expectation, groups = expectation_for(method, parts.path)
        expectation.verify(groups, fields, key, headers.get("Stripe-Account"))

        interruption = self._interruptions.pop(0) if self._interruptions else None
        if interruption is not None and not interruption.after_processing:
            return self._fail(interruption)
        request = (method, parts.path, tuple(sorted(fields.items())))
        stored = None if key is None else self._stored.get(key)
        if stored is not None:
            status, body, replayed = self._replay(stored, request, key or "")
        else:
            status, body = await self._answer(expectation.name, groups, fields, key)
            replayed = False
            if key is not None and status == 200:
                self._stored[key] = _Stored(request, status, body)
        self.sent.append(
            Sent(expectation.name, method, parts.path, fields, key, status, replayed=replayed)
        )
        if interruption is not None:
            return self._fail(interruption)
        answer_headers = {"request-id": f"req_{next(self._request_ids):014d}"}
        if replayed:
            answer_headers["idempotent-replayed"] = "true"
        return json.dumps(body).encode(), status, answer_headers

    # -- inside -----------------------------------------------------------------------------

    async def _answer(
        self, operation: str, groups: Mapping[str, str], fields: Mapping[str, str], key: str | None
    ) -> tuple[int, JSON]:
        try:
            return 200, await self._api.answer(operation, groups, fields, key)
        except DomainError as refused:
            return _refusal(refused.message)

    @staticmethod
    def _replay(
        stored: _Stored, request: tuple[str, str, tuple[tuple[str, str], ...]], key: str
    ) -> tuple[int, JSON, bool]:
        if stored.request != request:
            message = (
                f"Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                f"execute a different request."
            )
            return 400, {"error": {"type": "idempotency_error", "message": message}}, False
        return stored.status, stored.body, True

    def _fail(self, interruption: Interruption) -> tuple[bytes, int, Mapping[str, str]]:
        if interruption.status is None:
            raise stripe.APIConnectionError(  # type: ignore[no-untyped-call]
                "the connection to Stripe dropped", should_retry=True
            )
        error = {"type": "api_error", "message": "Stripe had a problem (injected)."}
        if interruption.status == 429:
            error = {"type": "invalid_request_error", "code": "rate_limit", "message": "Slow down."}
        return json.dumps({"error": error}).encode(), interruption.status, {}


def _fields(encoded: str) -> dict[str, str]:
    pairs = parse_qsl(encoded, keep_blank_values=True, strict_parsing=bool(encoded))
    fields = dict(pairs)
    assert len(fields) == len(pairs), f"a field sent twice: {pairs}"
    return fields


def _refusal(message: str) -> tuple[int, JSON]:
    if message.startswith("No such"):
        error = {"type": "invalid_request_error", "code": "resource_missing", "message": message}
        return 404, {"error": error}
    if "does not have access" in message:
        return 403, {"error": {"type": "invalid_request_error", "message": message}}
    return 400, {"error": {"type": "invalid_request_error", "message": message}}
