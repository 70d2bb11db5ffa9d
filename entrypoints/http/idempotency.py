"""``Idempotency-Key`` on store and admin POSTs: a retry replays the first answer."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import msgspec
from litestar import MediaType, Request, Response
from litestar.enums import ParamType
from litestar.exceptions import ValidationException
from litestar.openapi.spec import Operation, Parameter, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIType

from application.idempotent_requests import MAX_KEY_LENGTH
from entrypoints.http.auth import service_of

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"

IDEMPOTENCY_PARAMETER = Parameter(
    name=HEADER,
    param_in=ParamType.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID is good). The same key with the same body within 24 h replays "
        "the first successful answer; with a different body it is refused (409 "
        "idempotency_key_reused)."
    ),
    schema=Schema(type=OpenAPIType.STRING, max_length=MAX_KEY_LENGTH),
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


async def idempotent(
    request: Request[Any, Any, Any],
    scope: str,
    run: Callable[[], Awaitable[Response[Any]]],
) -> Response[Any]:
    """Run ``run`` once per key: a retry with the key gets the first answer again."""
    key = request.headers.get(HEADER)
    if key is None:
        return await run()
    if not 0 < len(key) <= MAX_KEY_LENGTH:
        raise ValidationException(
            detail=f"{HEADER} is 1 to {MAX_KEY_LENGTH} characters",
            extra=[
                {"key": HEADER, "message": f"1 to {MAX_KEY_LENGTH} characters", "source": "header"}
            ],
        )
    requests = service_of(request).use_cases().idempotent_requests
    fingerprint = hashlib.sha256(
        b"%s %s\n%s" % (request.method.encode(), request.url.path.encode(), await request.body())
    ).hexdigest()
    earlier = await requests.earlier_answer(scope, key, fingerprint)
    if earlier is not None:
        kept = msgspec.json.decode(earlier, type=_Kept)
        return Response(
            kept.body,
            status_code=kept.status,
            media_type=kept.media_type,
            headers={REPLAYED_HEADER: "true"},
        )
    response = await run()
    status = response.status_code or 200
    if not 200 <= status < 300:
        return response
    rendered = (
        response.content
        if isinstance(response.content, bytes)
        else msgspec.json.encode(response.content)
    )
    media_type = _media_type(response)
    kept = _Kept(status=status, media_type=media_type, body=rendered)
    await requests.remember(scope, key, fingerprint, msgspec.json.encode(kept))
    return Response(
        rendered, status_code=response.status_code, media_type=media_type, headers=response.headers
    )


def _media_type(response: Response[Any]) -> str:
    """The answer's media type as its header will say it (JSON unless the handler chose)."""
    media_type = response.media_type or MediaType.JSON
    return media_type.value if isinstance(media_type, Enum) else str(media_type)
