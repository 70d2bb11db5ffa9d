"""Control characters refused at the edge, before any text reaches a use case or a database.

The rule is the domain's (:mod:`domain.text`): no control character and no lone surrogate in an
id, a code, a key, an e-mail address or a name; free text may break lines. PostgreSQL cannot store
a NUL at all, so without this a NUL answered ``503`` there and something else on SQLite. Here:

- a path holding one names no resource: ``404``, as an unknown id is;
- a query parameter or a header holding one: ``400 validation_error`` naming it (a header may
  hold tabs, as HTTP allows);
- a JSON body (:func:`control_character_in`, called by :mod:`entrypoints.http.strict_bodies`):
  ``400 validation_error`` naming the field. Every string may hold tabs and line breaks and
  nothing else below the space; names, e-mail addresses and ids refuse those too, by their types
  (``SINGLE_LINE`` in :mod:`entrypoints.http.schemas.common`).

Webhook bodies are signed and read by the gateway's readers, which apply the same rule and refuse
an event holding one as ``400 invalid_event``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar.exceptions import NotFoundException, ValidationException
from litestar.types import ASGIApp, Receive, Scope, Send

from domain.text import is_clean, is_clean_free_text

# In a header value: C0 controls but the tab, and DEL. Bytes from 0x80 up are UTF-8 (or
# ISO-8859-1) text, which HTTP allows.
_HEADER_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
# A JSON body can hold a control character only escaped (\u0000, \n...) or, for DEL and the C1
# controls, as its UTF-8 bytes; a body with none of these needs no closer look.
_MAYBE_CONTROL = re.compile(rb"\\[ubfnrt]|\x7f|\xc2[\x80-\x9f]")
_REFUSED = "holds a control character"


def refuse_control_characters(app: ASGIApp) -> ASGIApp:
    """Middleware: a path, query parameter or header holding a control character is refused."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        _check(scope)
        await app(scope, receive, send)

    return middleware


def _check(scope: Scope) -> None:
    if not is_clean(scope["path"]):
        raise NotFoundException(detail="no such resource")
    query: bytes = scope.get("query_string", b"")
    if query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if not (is_clean(name) and is_clean(value)):
                _refuse(name if is_clean(name) else "query", "query")
    for header, header_value in scope["headers"]:
        if _HEADER_CONTROL.search(header_value) is not None:
            _refuse(_header_name(header), "header")


def _header_name(name: bytes) -> str:
    return "-".join(part.capitalize() for part in name.decode("latin-1").split("-"))


def _refuse(field: str, source: str) -> None:
    raise ValidationException(
        detail=f"{field} {_REFUSED}",
        extra=[{"key": field, "message": _REFUSED, "source": source}],
    )


def control_character_in(raw: bytes) -> str | None:
    """The JSON path of the first string of a valid JSON body that holds a control character (a
    member's name, or a value holding one other than a tab or a line break), or None."""
    if _MAYBE_CONTROL.search(raw) is None:
        return None
    return _first_unclean(msgspec.json.decode(raw), "$")


def _first_unclean(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return None if is_clean_free_text(value) else path
    if isinstance(value, dict):
        for key, item in value.items():
            if not is_clean(key):
                return path
            found = _first_unclean(item, f"{path}.{key}")
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_unclean(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def refuse_body_field(path: str) -> None:
    """Refuse a JSON body whose member at ``path`` holds a control character."""
    _refuse(path, "body")
