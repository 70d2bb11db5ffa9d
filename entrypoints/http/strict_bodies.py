"""JSON bodies decoded strictly, before Litestar's own lax conversion sees them.

Litestar converts request data with ``strict=False``, so ``"1999"`` or ``19.0`` would become the
integer 1999. Money must never arrive that way: every handler whose ``data`` is a msgspec struct
has its raw body decoded here with ``strict=True`` first, and refused with the offending field.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException


def _body_type(request: Request[Any, Any, Any]) -> type[msgspec.Struct] | None:
    parameter = request.route_handler.parsed_fn_signature.parameters.get("data")
    if parameter is None:
        return None
    annotation = parameter.annotation
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return annotation
    return None


async def decode_strictly(request: Request[Any, Any, Any]) -> None:
    body_type = _body_type(request)
    if body_type is None:
        return
    raw = await request.body()
    try:
        msgspec.json.decode(raw or b"null", type=body_type, strict=True)
    except msgspec.ValidationError as error:
        message, _, path = str(error).rpartition(" - at `")
        field = path.rstrip("`") if path else "$"
        raise ValidationException(
            detail=str(error),
            extra=[{"key": field, "message": message or str(error), "source": "body"}],
        ) from None
    except msgspec.DecodeError:
        raise ValidationException(
            detail="the body is not valid JSON",
            extra=[{"key": "$", "message": "the body is not valid JSON", "source": "body"}],
        ) from None
