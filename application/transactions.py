"""Running a transaction again when another one changed the same records first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from application.ports import ConcurrentUpdate

T = TypeVar("T")
ATTEMPTS = 5


async def retrying(transaction: Callable[[], Awaitable[T]], attempts: int = ATTEMPTS) -> T:
    """Run ``transaction`` (one whole unit of work: read, decide, write, commit) until it commits
    without a concurrent change getting in its way. Each run reads afresh, so the business rules
    are checked against what the other transaction committed."""
    for _ in range(attempts - 1):
        try:
            return await transaction()
        except ConcurrentUpdate:
            continue
    return await transaction()
