"""Structured logs: one JSON object a line, with secrets, card numbers and e-mails masked.

Redaction happens in the formatter, so it covers every logger (ours, Litestar's, uvicorn's,
SQLAlchemy's) and every field, whatever a message happens to interpolate.
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

import msgspec

from domain.email import masked

_SECRET = re.compile(
    r"\b(?P<prefix>spk_|spa_|spcs_|sk_(?:live|test)_|rk_(?:live|test)_|whsec_|pi_[A-Za-z0-9]+_secret_)"
    r"[A-Za-z0-9_\-]+"
)
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=\-]+")
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_CARD_DIGITS = 13
# An address in free text (a path, a query, a message): a local part of letters and digits of any
# script and the usual atext marks, then a host name or an address literal. Masked by the one
# rule (domain.email.masked).
_EMAIL = re.compile(
    r"(?P<local>[\w.!#$%'*+\-^`{|}~]+)(?P<at>@|%40)"
    r"(?P<domain>\[[0-9A-Za-z:.]{1,45}\]|[\w\-]+(?:\.[\w\-]+)+)"
)

_LINE = msgspec.json.Encoder()
_STANDARD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys() | {"message", "asctime"}
)


def redact(text: str) -> str:
    """``text`` with API keys, tokens, card numbers and e-mail local parts masked.

    Each pattern runs only on text that holds what it needs to match (every line of the access
    log goes through here, and most of its fields hold none of them)."""
    if "_" in text:
        text = _SECRET.sub(lambda match: f"{match['prefix']}[redacted]", text)
    if "bearer" in text.lower():
        text = _BEARER.sub(r"\1 [redacted]", text)
    if len(text) >= _CARD_DIGITS:
        text = _CARD.sub("[card redacted]", text)
    if "@" in text or "%40" in text:
        text = _EMAIL.sub(_masked, text)
    return text


def _masked(match: re.Match[str]) -> str:
    shown = masked(f"{match['local']}@{match['domain']}")
    return shown.replace("@", match["at"], 1)


# Nested values deeper than this are cut: a record must not take the formatter down by its depth.
_MAX_DEPTH = 32
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# msgspec writes integers of 64 bits; a longer one is written as its digits, in a string.
_INTEGERS = range(-(2**63), 2**64)


def _writable(text: str) -> str:
    """``text`` as UTF-8 can hold it: a lone surrogate is written as its escape, ``\\ud800``."""
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _printable(value: object) -> str:
    """``str(value)``, or words saying what it is when it cannot be printed."""
    try:
        return str(value)
    except Exception:  # an object's __str__ can raise anything
        return f"<{type(value).__name__} that cannot be printed>"


def _clean(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return redact(_writable(value))
    if isinstance(value, bool | float) or value is None:
        return value
    if isinstance(value, int):
        return value if value in _INTEGERS else _clean(_printable(value), depth)
    if depth >= _MAX_DEPTH:
        return "<nested too deeply>"
    if isinstance(value, dict):
        return {
            _clean(key if isinstance(key, str) else _printable(key), depth): _clean(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(item, depth + 1) for item in value]
    return redact(_writable(_printable(value)))


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # arguments that do not fit the format, or an unprintable one
        return f"{_printable(record.msg)} (arguments not written: they do not fit the message)"


class JsonFormatter(logging.Formatter):
    """One JSON object a record; a value that cannot be written as it is, is written as words
    saying so, so that no record is ever lost."""

    def format(self, record: logging.LogRecord) -> str:
        try:
            return self._format(record)
        except Exception as error:  # the last resort: never lose the record
            return _LINE.encode(
                {
                    "time": _time(record),
                    "level": _writable(_printable(record.levelname)).lower(),
                    "logger": _writable(_printable(record.name)),
                    "message": f"a record that could not be written ({type(error).__name__})",
                }
            ).decode()

    def _format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {"message": _message(record)}
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                fields[key] = value
        if record.exc_info:
            fields["error"] = self.formatException(record.exc_info)
        document = {  # the time, the level and the logger's name are storepay's own words
            "time": _time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            **_clean(fields),
        }
        # Every value is a string, a number, a boolean, None, or a list or dict of them now.
        return _LINE.encode(document).decode()


def _time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z")


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for the whole process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "litestar"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
