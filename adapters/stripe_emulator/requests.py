"""Stripe's API requests as the emulator reads them: form-encoded (or query) fields decoded into
nested parameters, read with Stripe's own refusals, and Stripe's error answers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

JSON = dict[str, Any]
_NAME = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
_INTEGER = re.compile(r"-?(0|[1-9][0-9]{0,17})")


class EmulatorError(Exception):
    """A request Stripe refuses, with the answer it gives: an HTTP status and an error object."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code

    def to_stripe(self) -> JSON:
        error: JSON = {"type": self.type, "message": self.message}
        for name in ("code", "param", "decline_code"):
            if getattr(self, name) is not None:
                error[name] = getattr(self, name)
        return {"error": error}


def no_such(kind: str, object_id: str, param: str | None = None) -> EmulatorError:
    return EmulatorError(
        f"No such {kind}: '{object_id}'", status=404, code="resource_missing", param=param
    )


def decode(pairs: Iterable[tuple[str, str]]) -> JSON:
    """``a[b][0]=x`` pairs as ``{"a": {"b": ["x"]}}``: objects whose keys are 0, 1, 2… are
    lists, as stripe-python encodes them."""
    root: JSON = {}
    for name, value in pairs:
        found = _NAME.fullmatch(name)
        if found is None:
            raise EmulatorError(f"Invalid parameter name: {name}", param=name)
        path = [found[1], *re.findall(r"\[([^\[\]]*)\]", found[2])]
        node = root
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise EmulatorError(f"Invalid parameter: {name}", param=name)
            node = child
        if path[-1] in node:
            raise EmulatorError(f"Received the parameter {name} twice", param=name)
        node[path[-1]] = value
    decoded: JSON = _lists(root)
    return decoded


def _lists(node: JSON) -> Any:
    converted = {
        key: _lists(value) if isinstance(value, dict) else value for key, value in node.items()
    }
    keys = list(converted)
    if keys and keys == [str(index) for index in range(len(keys))]:
        return [converted[key] for key in keys]
    return converted


class Params:
    """A request's parameters, read as Stripe reads them."""

    def __init__(self, values: Mapping[str, Any], where: str = "") -> None:
        self._values = values
        self._where = where
        self.used: set[str] = set()

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def _name(self, name: str) -> str:
        return f"{self._where}[{name}]" if self._where else name

    def _raw(self, name: str, required: bool) -> Any:
        if name not in self._values or self._values[name] == "":
            if required:
                raise EmulatorError(
                    f"Missing required param: {self._name(name)}.", param=self._name(name)
                )
            return None
        return self._values[name]

    def text(self, name: str) -> str:
        value = self._raw(name, True)
        if not isinstance(value, str):
            raise EmulatorError(f"Invalid string: {self._name(name)}", param=self._name(name))
        return value

    def optional_text(self, name: str) -> str | None:
        return None if self._raw(name, False) is None else self.text(name)

    def integer(self, name: str) -> int:
        value = self._raw(name, True)
        if not isinstance(value, str) or _INTEGER.fullmatch(value) is None:
            raise EmulatorError(f"Invalid integer: {value}", param=self._name(name))
        return int(value)

    def optional_integer(self, name: str) -> int | None:
        return None if self._raw(name, False) is None else self.integer(name)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self._raw(name, False)
        if value is None:
            return default
        if value not in ("true", "false"):
            raise EmulatorError(f"Invalid boolean: {value}", param=self._name(name))
        return bool(value == "true")

    def child(self, name: str) -> Params:
        value = self._raw(name, False)
        if value is None:
            return Params({}, self._name(name))
        if not isinstance(value, dict):
            raise EmulatorError(f"Invalid object: {self._name(name)}", param=self._name(name))
        return Params(value, self._name(name))

    def texts(self, name: str) -> list[str]:
        value = self._raw(name, False)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise EmulatorError(f"Invalid array: {self._name(name)}", param=self._name(name))
        return list(value)

    def metadata(self) -> dict[str, str]:
        """``metadata[key]=value`` as Stripe keeps it: up to 50 keys of 40 characters, values
        of 500."""
        raw = self._raw("metadata", False)
        if raw is None:
            return {}
        if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
            raise EmulatorError("Invalid object: metadata", param="metadata")
        if len(raw) > 50 or any(len(key) > 40 or len(value) > 500 for key, value in raw.items()):
            raise EmulatorError(
                "Metadata may hold up to 50 keys of at most 40 characters, with values of at "
                "most 500 characters.",
                param="metadata",
            )
        return dict(raw)
