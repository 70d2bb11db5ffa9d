"""Running a transaction again when another one changed the same records first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from application.ports import ConcurrentUpdate

T = TypeVar("T")
ATTEMPTS = 5


async def retrying(
    transaction: Callable[[], Awaitable[T]],
    attempts: int = ATTEMPTS,
    *,
    also_on: tuple[type[Exception], ...] = (),
) -> T:
    """Run ``transaction`` (one whole unit of work: read, decide, write, commit) until it commits
    without a concurrent change getting in its way. Each run reads afresh, so the business rules
    are checked against what the other transaction committed. ``also_on`` names further errors
    that mean "someone else got there first" for this transaction."""
    conflicts: tuple[type[Exception], ...] = (ConcurrentUpdate, *also_on)
    for _ in range(attempts - 1):
        try:
            return await transaction()
        except conflicts:
            continue
    return await transaction()
