"""The hexagon's walls: what each layer may import, checked on the source itself."""

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STANDARD_LIBRARY = frozenset(sys.stdlib_module_names) | {"__future__"}


def imported_top_level_names(package: str) -> Iterator[tuple[Path, str]]:
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield path, node.module.split(".")[0]


@pytest.mark.parametrize(
    ("package", "allowed"),
    [
        ("domain", STANDARD_LIBRARY | {"domain"}),
        ("application", STANDARD_LIBRARY | {"domain", "application"}),
    ],
)
def test_the_core_imports_nothing_but_the_standard_library_and_inner_layers(
    package: str, allowed: frozenset[str]
) -> None:
    strays = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, name in imported_top_level_names(package)
        if name not in allowed
    ]

    assert strays == []


def test_the_walls_are_checked_on_real_sources() -> None:
    names = {name for _, name in imported_top_level_names("domain")}

    assert {"decimal", "domain"} <= names
