"""An append-only journal (the ledger), and one transaction's entries not yet committed."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

V = TypeVar("V")


class Journal(Generic[V]):
    def __init__(self) -> None:
        self.entries: list[V] = []


class JournalChanges(Generic[V]):
    """Appends never conflict: entries are facts, each transaction only adds its own."""

    def __init__(self, journal: Journal[V], lock: threading.RLock) -> None:
        self._journal = journal
        self._lock = lock
        self._staged: list[V] = []

    def append(self, values: Iterable[V]) -> None:
        self._staged.extend(copy.deepcopy(list(values)))

    def select(self, where: Callable[[V], bool]) -> list[V]:
        """Matching entries in the order they were written, this transaction's last."""
        with self._lock:
            found = [v for v in [*self._journal.entries, *self._staged] if where(v)]
            return copy.deepcopy(found)

    def check(self) -> None:
        pass

    def apply(self, version: int) -> None:
        self._journal.entries.extend(self._staged)
        self.discard()

    def discard(self) -> None:
        self._staged.clear()
