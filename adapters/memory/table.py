"""Tables of committed rows, and one transaction's staged changes to them.

Every row carries the version of the commit that wrote it. A transaction remembers the version
of each row when it first read (or wrote) it; committing checks that no other transaction has
committed that row since, so a concurrent update is refused instead of silently lost.

A transaction may also lock the rows it reads (``select_locked``), as a database's
``FOR UPDATE`` does: until it ends, another transaction that locks one of them, or commits a
change to one, waits for it. The waits are futures any thread's event loop can await.
"""

from __future__ import annotations

import asyncio
import copy
import threading
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from application.ports import ConcurrentUpdate, DuplicateRecord

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Ordering = tuple[datetime, str]  # a time, then an id to break ties

ABSENT = 0  # the version of a row that does not exist


class MissingRecord(LookupError):
    """``save`` of a record that was never added (or was removed)."""


@dataclass(slots=True)
class Row(Generic[V]):
    value: V
    version: int


@dataclass(frozen=True, slots=True)
class RowLock:
    owner: object  # the transaction's changes to the table
    released: Future[None] = field(default_factory=Future)


class Table(Generic[K, V]):
    """Committed rows of one kind, with the unique keys a database would enforce."""

    def __init__(
        self,
        name: str,
        key: Callable[[V], K],
        unique: Mapping[str, Callable[[V], Hashable | None]] | None = None,
        at_rest: Callable[[V], V] = copy.deepcopy,
    ) -> None:
        self.name = name
        self.key = key
        self.unique = dict(unique or {})
        self.at_rest = at_rest  # the private copy of a value that a write stores
        self.rows: dict[K, Row[V]] = {}
        self.locks: dict[K, RowLock] = {}  # rows a transaction locked until it ends

    def version(self, key: K) -> int:
        row = self.rows.get(key)
        return ABSENT if row is None else row.version


class Changes(Generic[K, V]):
    """One transaction's view of a table: committed rows overlaid with its own staged writes.

    Values go out and come in as deep copies, so nothing outside reaches a stored row.
    """

    def __init__(self, table: Table[K, V], lock: threading.RLock) -> None:
        self._table = table
        self._lock = lock
        self._staged: dict[K, V | None] = {}  # None: removed
        self._seen: dict[K, int] = {}
        self._locked: list[K] = []

    # -- reading ------------------------------------------------------------------------------

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._current(key)
            self._see(key)
            return None if value is None else copy.deepcopy(value)

    def exists(self, key: K) -> bool:
        with self._lock:
            self._see(key)
            return self._current(key) is not None

    def select(
        self,
        where: Callable[[V], bool],
        *,
        order_by: Callable[[V], Ordering] | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> list[V]:
        """Copies of the matching values, sorted by ``order_by`` when given."""
        with self._lock:
            found = [(key, value) for key, value in self._visible() if where(value)]
            if order_by is not None:
                ordering = order_by
                found.sort(key=lambda item: ordering(item[1]), reverse=descending)
            if limit is not None:
                found = found[: max(limit, 0)]
            for key, _ in found:
                self._see(key)
            return [copy.deepcopy(value) for _, value in found]

    async def select_locked(self, where: Callable[[V], bool]) -> list[V]:
        """``select``, every row found locked until this transaction ends: while another one
        holds a lock on one of them, wait for it to end, then look again."""
        while True:
            with self._lock:
                keys = [key for key, value in self._visible() if where(value)]
                held = self._held_elsewhere(keys)
                if held is None:
                    for key in keys:
                        if key not in self._table.locks:
                            self._table.locks[key] = RowLock(self)
                            self._locked.append(key)
                    return self.select(where)
            await asyncio.wrap_future(held)

    def in_the_way(self) -> Future[None] | None:
        """What committing the staged changes must wait for: the end of another transaction
        that locked a row they write."""
        with self._lock:
            return self._held_elsewhere(self._staged)

    # -- writing ------------------------------------------------------------------------------

    def insert(self, value: V) -> None:
        with self._lock:
            key = self._table.key(value)
            self._see(key)
            if self._current(key) is not None:
                raise DuplicateRecord(f"{self._table.name} {key!r} exists already")
            self._check_unique(key, value, self._visible())
            self._staged[key] = self._table.at_rest(value)

    def update(self, value: V) -> None:
        with self._lock:
            key = self._table.key(value)
            self._see(key)
            if self._current(key) is None:
                if key not in self._staged and self._seen[key] != ABSENT:
                    raise ConcurrentUpdate(
                        f"{self._table.name} {key!r} was removed by another unit of work"
                    )
                raise MissingRecord(f"no {self._table.name} {key!r} to save")
            self._check_unique(key, value, self._visible())
            self._staged[key] = self._table.at_rest(value)

    def delete(self, key: K) -> None:
        with self._lock:
            self._see(key)
            if self._current(key) is not None:
                self._staged[key] = None

    # -- committing (the caller holds the database lock) --------------------------------------

    def check(self) -> None:
        """Refuse the commit if another transaction got in the way since these rows were read."""
        for key, value in self._staged.items():
            committed = self._table.version(key)
            if committed != self._seen[key]:
                if value is not None and self._seen[key] == ABSENT:
                    raise DuplicateRecord(f"{self._table.name} {key!r} exists already")
                raise ConcurrentUpdate(
                    f"{self._table.name} {key!r} was changed by another unit of work"
                )
        for key, value in self._staged.items():
            if value is not None:
                self._check_unique(key, value, self._visible())

    def apply(self, version: int) -> None:
        for key, value in self._staged.items():
            if value is None:
                self._table.rows.pop(key, None)
            else:
                self._table.rows[key] = Row(value, version)
        self.discard()

    def discard(self) -> None:
        self._staged.clear()
        self._seen.clear()
        with self._lock:
            for key in self._locked:
                self._table.locks.pop(key).released.set_result(None)
            self._locked.clear()

    # -- internals ----------------------------------------------------------------------------

    def _current(self, key: K) -> V | None:
        if key in self._staged:
            return self._staged[key]
        row = self._table.rows.get(key)
        return None if row is None else row.value

    def _held_elsewhere(self, keys: Collection[K]) -> Future[None] | None:
        for key in keys:
            lock = self._table.locks.get(key)
            if lock is not None and lock.owner is not self:
                return lock.released
        return None

    def _see(self, key: K) -> None:
        if key not in self._seen:
            self._seen[key] = self._table.version(key)

    def _visible(self) -> Iterator[tuple[K, V]]:
        for key, row in self._table.rows.items():
            if key not in self._staged:
                yield key, row.value
        for key, staged in self._staged.items():
            if staged is not None:
                yield key, staged

    def _check_unique(self, key: K, value: V, rows: Iterator[tuple[K, V]]) -> None:
        wanted = {
            name: unique_key
            for name, of in self._table.unique.items()
            if (unique_key := of(value)) is not None
        }
        if not wanted:
            return
        for other_key, other in rows:
            if other_key == key:
                continue
            for name, unique_key in wanted.items():
                if self._table.unique[name](other) == unique_key:
                    raise DuplicateRecord(f"another {self._table.name} has the same {name}")
