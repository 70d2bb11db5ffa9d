"""The service's log as its JSON formatter writes it, captured from the root logger."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from entrypoints.logging import JsonFormatter


@contextmanager
def captured_log(level: int = logging.INFO) -> Iterator[io.StringIO]:
    """Every record of ``level`` or above from now on, one JSON line each (an app being built
    sets up logging: build it first). A record the formatter cannot write fails the test instead
    of printing "--- Logging error"."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous_level, previous_raise = root.level, logging.raiseExceptions
    root.addHandler(handler)
    root.setLevel(level)
    logging.raiseExceptions = True
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
        logging.raiseExceptions = previous_raise
