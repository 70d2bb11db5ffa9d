"""Stripe's form encoding: ``a[b][0]=x`` pairs to nested values and back."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

Pairs = list[tuple[str, str]]

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def parse_pairs(raw: bytes | str) -> Pairs:
    text = raw.decode() if isinstance(raw, bytes) else raw
    return parse_qsl(text, keep_blank_values=True)


def encode_pairs(pairs: Pairs) -> bytes:
    return urlencode(pairs).encode()


def top_level(key: str) -> str:
    """``transfer_data[destination]`` belongs to ``transfer_data``."""
    return key.split("[", 1)[0]


def nest(pairs: Pairs) -> dict[str, Any]:
    """Nested dicts (and lists, for all-digit keys) from flat form pairs."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if match is None:
            root[key] = value
            continue
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = root
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[parts[-1]] = value
    listed = _lists(root)
    assert isinstance(listed, dict)
    return listed


def _lists(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    converted = {key: _lists(item) for key, item in value.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def flatten(data: dict[str, Any], prefix: str = "") -> Pairs:
    pairs: Pairs = []
    for key, value in data.items():
        name = f"{prefix}[{key}]" if prefix else key
        if isinstance(value, dict):
            pairs.extend(flatten(value, name))
        elif isinstance(value, list):
            pairs.extend(flatten({str(index): item for index, item in enumerate(value)}, name))
        elif isinstance(value, bool):
            pairs.append((name, "true" if value else "false"))
        elif value is not None:
            pairs.append((name, str(value)))
    return pairs


def flag(value: object, name: str) -> bool:
    """A boolean as the SDK sends it (``true`` / ``false``)."""
    if value in ("true", True):
        return True
    if value in ("false", False):
        return False
    raise ValueError(f"Invalid boolean: {name}")


def integer(value: object, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    raise ValueError(f"Invalid integer: {name}")
