"""What an attempted action came to: accepted, or refused by a business rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pytest

from domain.errors import DomainError

T = TypeVar("T")


@dataclass
class Outcome:
    """What the last attempted action came to: accepted, or refused with a domain error."""

    error: DomainError | None = None
    examined: bool = True

    def attempt(self, action: Callable[[], T]) -> T | None:
        self.check_examined()
        self.error = None
        try:
            return action()
        except DomainError as error:
            self.error, self.examined = error, False
            return None

    def check_accepted(self) -> None:
        self.check_examined()
        assert self.error is None

    def refusal(self) -> DomainError:
        assert self.error is not None, "the action was accepted, not refused"
        self.examined = True
        return self.error

    def check_examined(self) -> None:
        if not self.examined and self.error is not None:
            pytest.fail(f"refused unexpectedly: {self.error.code}: {self.error.message}")
