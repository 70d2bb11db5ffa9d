"""The JSON log formatter writes every record as one JSON line, whatever it holds.

A lone surrogate (from a webhook's ``"\\ud800"``), an object whose ``str`` fails, an integer too
long to print, a nesting too deep to walk or a message whose arguments do not fit its format once
made the formatter raise, and the record was lost (``--- Logging error ---`` on stderr at best).
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import pytest

from entrypoints.logging import JsonFormatter


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text for this")

    def __repr__(self) -> str:
        raise RuntimeError("no repr either")


class Unreadable(dict[str, Any]):
    def items(self) -> Any:
        raise RuntimeError("cannot be read")


def _deep(depth: int) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for _ in range(depth):
        document = {"inner": document}
    return document


def _record(msg: object, *args: object, **extra: Any) -> logging.LogRecord:
    record = logging.LogRecord("storepay.test", logging.WARNING, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


def _failing() -> logging.LogRecord:
    try:
        raise ValueError("bad id evt_\ud800")
    except ValueError:
        record = _record("failed on %s", "evt_\ud800")
        record.exc_info = sys.exc_info()
    return record


RECORDS: dict[str, logging.LogRecord] = {
    "a surrogate in the message": _record("event evt_\ud800 refused"),
    "a surrogate in an argument": _record("event %s (%s) failed", "evt_\udfff", "type"),
    "a surrogate in an extra field": _record("refused", event_id="evt_\ud83d"),
    "a surrogate in an extra field's key": _record("refused", fields={"\ud800": 1}),
    "an unprintable argument": _record("got %s", Unprintable()),
    "an unprintable extra field": _record("refused", thing=Unprintable()),
    "an unprintable key": _record("refused", fields={Unprintable(): 1}),
    "an integer of 10**30": _record("amount %s", 10**30, amount=10**30),
    "an integer of 5000 digits": _record("refused", amount=10**5000),
    "a float that is not a number": _record("refused", ratio=float("nan"), top=float("inf")),
    "bytes": _record("refused", body=b"\xff\x00 evt_1"),
    "a set": _record("refused", ids={"evt_1"}),
    "a nesting 10000 deep": _record("refused", document=_deep(10_000)),
    "arguments that do not fit": _record("amount %d of %s", "not a number"),
    "an exception with a surrogate": _failing(),
    "a message that is not text": _record(Unprintable()),
    "a mapping that cannot be read": _record("refused", fields=Unreadable()),
}


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_every_record_is_one_json_line(name: str) -> None:
    record = RECORDS[name]

    line = JsonFormatter().format(record)

    assert "\n" not in line
    document = json.loads(line)
    assert document["level"] == "warning"
    assert document["logger"] == "storepay.test"
    assert isinstance(document["message"], str)
    line.encode("utf-8")  # writable to any UTF-8 stream


def test_a_surrogate_is_written_escaped_and_the_rest_is_kept() -> None:
    line = JsonFormatter().format(RECORDS["a surrogate in an argument"])

    document = json.loads(line)
    assert document["message"] == "event evt_\\udfff (type) failed"


def test_an_exception_keeps_its_traceback() -> None:
    document = json.loads(JsonFormatter().format(RECORDS["an exception with a surrogate"]))

    assert "ValueError: bad id evt_\\ud800" in document["error"]
    assert document["message"] == "failed on evt_\\ud800"


def test_secrets_are_still_masked_in_what_could_not_be_written_as_is() -> None:
    record = _record("key %s for %s", "spk_live_secret\ud800", "ana.maria@example.com")

    document = json.loads(JsonFormatter().format(record))

    assert "secret" not in document["message"]
    assert "ana.maria" not in document["message"]


def test_a_huge_integer_is_kept_as_its_digits_when_printable() -> None:
    document = json.loads(JsonFormatter().format(RECORDS["an integer of 10**30"]))

    assert document["message"] == f"amount {10**30}"
    assert str(document["amount"]) == str(10**30)


def test_records_go_through_a_handler_without_a_logging_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logger = logging.getLogger("storepay.test.formatter")
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.propagate = False
    previous = logging.raiseExceptions
    logging.raiseExceptions = True
    try:
        logger.warning("gateway event %s (%s) failed", "evt_\ud800", "customer.\udfff")
    finally:
        logging.raiseExceptions = previous
        logger.removeHandler(handler)
        logger.propagate = True

    captured = capsys.readouterr()
    assert "Logging error" not in captured.err
    assert (
        json.loads(captured.out)["message"] == "gateway event evt_\\ud800 (customer.\\udfff) failed"
    )
