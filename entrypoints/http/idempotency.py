"""``Idempotency-Key`` on store and admin POSTs: a retry replays the first answer, and one sent
while the first still runs waits for it or is told to come back (409 with ``Retry-After``)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import msgspec
from litestar import MediaType, Request, Response
from litestar.enums import ParamType
from litestar.exceptions import ValidationException
from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIResponse,
    Operation,
    Parameter,
    RequestBody,
    Schema,
)
from litestar.openapi.spec.enums import OpenAPIType

from application.errors import IdempotencyRequestInProgress
from application.idempotent_requests import (
    MAX_KEY_LENGTH,
    Claimed,
    IdempotentRequests,
    InProgress,
    Replay,
)
from entrypoints.http.auth import service_of
from entrypoints.http.problems import DESCRIPTIONS, problem

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
WAIT_FOR_FIRST_SECONDS = 2.0  # how long a retry waits for the request it repeats to finish
RETRY_AFTER_SECONDS = 1

logger = logging.getLogger("storepay.http")

IDEMPOTENCY_PARAMETER = Parameter(
    name=HEADER,
    param_in=ParamType.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID is good). The same key with the same body within 24 h replays "
        "the first successful answer (header Idempotent-Replayed: true); with a different body "
        "it is refused (409 idempotency_key_reused). A request sent while the first one with "
        "the key still runs waits for its answer for up to "
        f"{WAIT_FOR_FIRST_SECONDS:g} s, then gets 409 idempotency_request_in_progress with a "
        "Retry-After header: send it again then. A request that failed (any answer but 2xx) "
        "keeps nothing: its retry runs afresh. Kept answers leave out secrets shown once (a new "
        "API key)."
    ),
    schema=Schema(type=OpenAPIType.STRING, max_length=MAX_KEY_LENGTH),
)


# A route that honours the key in its use case, by making the same thing again for it.
SAME_ANSWER_PARAMETER = Parameter(
    name=HEADER,
    param_in=ParamType.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID is good). A retry with the same key answers the same thing "
        "again, made again rather than kept (nothing secret is stored to replay it)."
    ),
    schema=Schema(type=OpenAPIType.STRING, max_length=MAX_KEY_LENGTH),
)


_CONFLICT = (
    f"{DESCRIPTIONS[409]} Also: this Idempotency-Key was used with another request (code "
    "idempotency_key_reused), or the first request with it still runs (code "
    "idempotency_request_in_progress, with Retry-After)."
)
_RETRY_AFTER = OpenAPIHeader(
    description="With idempotency_request_in_progress: seconds to wait before sending it again.",
    schema=Schema(type=OpenAPIType.INTEGER),
)


@dataclass
class IdempotentOperation(Operation):
    """An operation that documents the ``Idempotency-Key`` header it accepts.

    ``@post(..., operation_class=IdempotentOperation)``: a route's ``parameters=`` argument is
    Litestar's layered parameter map, not OpenAPI parameters, so it cannot carry the header.
    """

    def __post_init__(self) -> None:
        listed = [p for p in self.parameters or [] if getattr(p, "name", None) != HEADER]
        self.parameters = [*listed, IDEMPOTENCY_PARAMETER]
        conflict = (self.responses or {}).get("409")
        if isinstance(conflict, OpenAPIResponse):
            conflict.description = _CONFLICT
            conflict.headers = {**(conflict.headers or {}), "Retry-After": _RETRY_AFTER}


@dataclass
class SameAnswerOperation(Operation):
    """An operation whose use case honours the ``Idempotency-Key`` itself (a customer session is
    derived again for its key): the header is documented, with none of :func:`idempotent`'s
    answers (no replay header, no request in progress)."""

    def __post_init__(self) -> None:
        listed = [p for p in self.parameters or [] if getattr(p, "name", None) != HEADER]
        self.parameters = [*listed, SAME_ANSWER_PARAMETER]


@dataclass
class IdempotentOptionalBodyOperation(IdempotentOperation):
    """The same, for a POST whose JSON body may be left out."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.request_body, RequestBody):
            self.request_body.required = False


class _Kept(msgspec.Struct):
    status: int
    media_type: str
    body: bytes


def idempotency_key(request: Request[Any, Any, Any]) -> str | None:
    """The request's ``Idempotency-Key``, if it sent one; refused (400) unless 1 to
    ``MAX_KEY_LENGTH`` characters."""
    key = request.headers.get(HEADER)
    if key is not None and not 0 < len(key) <= MAX_KEY_LENGTH:
        raise ValidationException(
            detail=f"{HEADER} is 1 to {MAX_KEY_LENGTH} characters",
            extra=[
                {"key": HEADER, "message": f"1 to {MAX_KEY_LENGTH} characters", "source": "header"}
            ],
        )
    return key


async def idempotent(
    request: Request[Any, Any, Any],
    scope: str,
    run: Callable[[], Awaitable[Response[Any]]],
    *,
    kept: Callable[[Any], Any] | None = None,
) -> Response[Any]:
    """Run ``run`` once per key: a retry with the key gets the first answer again, and one sent
    while the first still runs waits for it (or is told to come back). ``kept`` makes of the
    answer's content what is kept for replays, when that must leave something out (a secret
    shown once)."""
    key = idempotency_key(request)
    if key is None:
        return await run()
    requests = service_of(request).use_cases().idempotent_requests
    fingerprint = hashlib.sha256(
        b"%s %s\n%s" % (request.method.encode(), request.url.path.encode(), await request.body())
    ).hexdigest()
    claim = await _claimed(requests, scope, key, fingerprint)
    if isinstance(claim, Replay):
        return _replayed(claim.answer)
    if isinstance(claim, InProgress):
        return problem(
            409,
            IdempotencyRequestInProgress.code,
            "a request with this Idempotency-Key is still running; retry it later to get its "
            "answer",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    try:
        response = await run()
    except BaseException:
        await _released(requests, claim)
        raise
    status = response.status_code or 200
    if not 200 <= status < 300:
        await _released(requests, claim)
        return response
    rendered = _rendered(response.content)
    media_type = _media_type(response)
    body = rendered if kept is None else _rendered(kept(response.content))
    try:
        await requests.finish(
            claim, msgspec.json.encode(_Kept(status=status, media_type=media_type, body=body))
        )
    except Exception:
        # What the request did is done: its answer goes out. A retry runs it again once the
        # claim's lease is over.
        logger.exception("the answer to a request with an %s could not be kept", HEADER)
    return Response(
        rendered, status_code=response.status_code, media_type=media_type, headers=response.headers
    )


async def _claimed(
    requests: IdempotentRequests, scope: str, key: str, fingerprint: str
) -> Claimed | Replay | InProgress:
    """The key claimed for this request, or the first answer: waited for a while if the first
    request still runs (a retry sent at once with it usually comes in while it runs)."""
    deadline = time.monotonic() + WAIT_FOR_FIRST_SECONDS
    pause = 0.02
    while True:
        claim = await requests.claim(scope, key, fingerprint)
        if not isinstance(claim, InProgress) or time.monotonic() + pause > deadline:
            return claim
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.25)


async def _released(requests: IdempotentRequests, claim: Claimed) -> None:
    """The claim given back; if that fails too, its lease ends it."""
    try:
        await requests.release(claim)
    except Exception:
        logger.exception("a claim on an %s could not be released; its lease will end it", HEADER)


def _replayed(answer: bytes) -> Response[Any]:
    kept = msgspec.json.decode(answer, type=_Kept)
    return Response(
        kept.body,
        status_code=kept.status,
        media_type=kept.media_type,
        headers={REPLAYED_HEADER: "true"},
    )


def _rendered(content: Any) -> bytes:
    return content if isinstance(content, bytes) else msgspec.json.encode(content)


def _media_type(response: Response[Any]) -> str:
    """The answer's media type as its header will say it (JSON unless the handler chose)."""
    media_type = response.media_type or MediaType.JSON
    return media_type.value if isinstance(media_type, Enum) else str(media_type)
