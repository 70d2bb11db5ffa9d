"""JSON bodies decoded strictly, before Litestar's own lax conversion sees them.

Litestar converts request data with ``strict=False``, so ``"1999"`` or ``19.0`` would become the
integer 1999. Money must never arrive that way: every handler whose ``data`` is a msgspec struct
(or an optional one, for a body that may be left out) has its raw body decoded here with
``strict=True`` first, and refused with the offending field; a string holding a control character
is refused too (:mod:`entrypoints.http.control_characters`).
"""

from __future__ import annotations

import re
import types
from typing import Any, Union, get_args, get_origin

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException

from entrypoints.http.control_characters import control_character_in, refuse_body_field

_UNKNOWN_FIELD = re.compile(r"Object contains unknown field `(?P<name>[^`]+)`")


def _body_type(request: Request[Any, Any, Any]) -> Any:
    parameter = request.route_handler.parsed_fn_signature.parameters.get("data")
    if parameter is None:
        return None
    annotation = parameter.annotation
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        members = [member for member in get_args(annotation) if member is not type(None)]
        if (
            len(members) == 1
            and isinstance(members[0], type)
            and issubclass(members[0], msgspec.Struct)
        ):
            return annotation
    return None


def _offending_field(error: msgspec.ValidationError) -> tuple[str, str]:
    """The JSON path of what is wrong (``$`` for the whole body), and what is wrong with it."""
    text = str(error)
    message, separator, path = text.rpartition(" - at `")
    if not separator:
        message, path = text, "$"
    path = path.rstrip("`").removeprefix("key` in `")  # a member's name: the object holding it
    unknown = _UNKNOWN_FIELD.fullmatch(message)
    if unknown is not None:
        path = f"{path}.{unknown.group('name')}"
    return path, message


async def decode_strictly(request: Request[Any, Any, Any]) -> None:
    body_type = _body_type(request)
    if body_type is None:
        return
    raw = await request.body()
    try:
        msgspec.json.decode(raw or b"null", type=body_type, strict=True)
    except msgspec.ValidationError as error:
        field, message = _offending_field(error)
        raise ValidationException(
            detail=str(error),
            extra=[{"key": field, "message": message, "source": "body"}],
        ) from None
    except msgspec.DecodeError:
        raise ValidationException(
            detail="the body is not valid JSON",
            extra=[{"key": "$", "message": "the body is not valid JSON", "source": "body"}],
        ) from None
    unclean = control_character_in(raw)
    if unclean is not None:
        refuse_body_field(unclean)
