"""Idempotency keys as Stripe honours them: a replay answers the first result, a reuse with
other parameters is refused."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, TypeVar

from application.gateway import GatewayError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Entry:
    operation: str
    parameters: dict[str, Any]
    result: object


class IdempotencyKeys:
    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def replay(
        self, key: str, operation: str, request: DataclassInstance, result_type: type[T]
    ) -> T | None:
        """The first result for ``key``, or ``None`` when the key is new."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.operation != operation or entry.parameters != parameters_of(request):
            raise GatewayError(
                f"Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than {key!r} if you meant to "
                f"execute a different request."
            )
        result = entry.result
        if not isinstance(result, result_type):  # pragma: no cover - one operation, one type
            raise TypeError(f"{operation} answered a {type(result).__name__}")
        return result

    def remember(
        self, key: str, operation: str, request: DataclassInstance, result: object
    ) -> None:
        self._entries[key] = _Entry(operation, parameters_of(request), result)


def parameters_of(request: DataclassInstance) -> dict[str, Any]:
    """A request's parameters, its idempotency key left out."""
    return {
        item.name: _plain(getattr(request, item.name))
        for item in fields(request)
        if item.name != "idempotency_key"
    }


def _plain(value: object) -> object:
    return dict(value) if isinstance(value, Mapping) else value
