"""Every test runs in exactly one layer's lane: a new directory of tests cannot slip out of them."""

import ast
import tomllib
from pathlib import Path

import pytest
from lanes import LAYERS, SLOW, TESTS, OutOfLane, is_slow, lane_markers, layer_of, on_postgresql

ROOT = TESTS.parent


def modules_of_tests() -> list[Path]:
    """The modules pytest collects tests from (its default ``python_files``)."""
    return sorted({*TESTS.rglob("test_*.py"), *TESTS.rglob("*_test.py")})


def registered_markers() -> dict[str, str]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        lines = tomllib.load(file)["tool"]["pytest"]["ini_options"]["markers"]
    pairs = (line.partition(":") for line in lines)
    return {name.strip(): meaning.strip() for name, _, meaning in pairs}


def test_every_test_module_lies_in_a_layer_s_directory() -> None:
    strays = [str(path.relative_to(ROOT)) for path in modules_of_tests() if layer_of(path) is None]

    assert not strays, f"test modules outside every layer (tests/lanes.py's LAYERS): {strays}"


def test_every_layer_is_a_directory_of_tests() -> None:
    empty = [layer for layer in LAYERS if not any(layer_of(p) == layer for p in modules_of_tests())]

    assert not empty, f"layers without a test module in their directory: {empty}"


@pytest.mark.parametrize("marker", [*LAYERS, "slow", "postgresql"], ids="marker {}".format)
def test_every_lane_s_marker_is_registered_with_what_it_holds(marker: str) -> None:
    assert registered_markers().get(marker), f"pyproject.toml's markers do not describe {marker}"


def test_no_test_module_marks_its_tests_with_a_layer_by_hand() -> None:
    by_hand = [
        f"{path.relative_to(ROOT)}:{node.lineno} pytest.mark.{node.attr}"
        for path in sorted(TESTS.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute)
        and node.attr in LAYERS
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "mark"
    ]

    assert not by_hand, f"a test's layer is its directory's, never a marker of its own: {by_hand}"


def test_no_scenario_is_tagged_with_a_layer() -> None:
    # pytest-bdd turns a scenario's tags into markers.
    tagged = [
        f"{path.relative_to(ROOT)}:{number} {tag}"
        for path in sorted((ROOT / "features").rglob("*.feature"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if line.strip().startswith("@")
        for tag in line.split()
        if tag.removeprefix("@") in LAYERS
    ]

    assert not tagged, f"scenarios tagged with a layer's marker: {tagged}"


def test_a_test_gets_its_directory_s_layer_then_slow_and_postgresql_when_they_hold() -> None:
    assert lane_markers(TESTS / "unit" / "test_money.py", "tests/unit/test_money.py::t", []) == (
        "unit",
    )
    assert lane_markers(
        TESTS / "faults" / "test_outages.py", "tests/faults/test_outages.py::test_x", ["anyio"]
    ) == ("faults", "slow")
    assert lane_markers(
        TESTS / "security" / "test_slow_bodies.py",
        "tests/security/test_slow_bodies.py::test_x[asyncio-postgresql]",
        [],
    ) == ("security", "slow", "postgresql")


@pytest.mark.parametrize(
    ("path", "marked"),
    [
        (TESTS / "load" / "test_peak.py", []),
        (TESTS / "test_loose.py", []),
        (ROOT / "features" / "test_elsewhere.py", []),
        (TESTS / "unit" / "test_money.py", ["anyio", "e2e"]),
    ],
    ids=["a new directory", "tests/ itself", "outside tests/", "marked with another layer"],
)
def test_a_test_in_no_layer_or_two_is_refused(path: Path, marked: list[str]) -> None:
    with pytest.raises(OutOfLane):
        lane_markers(path, f"{path.name}::test_x", marked)


def test_collection_gives_this_test_its_layer_and_no_other(request: pytest.FixtureRequest) -> None:
    layers = {mark.name for mark in request.node.iter_markers()} & set(LAYERS)

    assert layers == {"architecture"}


def test_each_slow_entry_names_a_module_or_test_that_exists() -> None:
    def tests_in(path: Path) -> set[str]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = (ast.FunctionDef, ast.AsyncFunctionDef)
        return {node.name for node in tree.body if isinstance(node, functions)}

    stale = []
    for entry in SLOW:
        module, _, name = entry.partition("::")
        path = ROOT / module
        if not path.is_file() or (name and name not in tests_in(path)):
            stale.append(entry)

    assert not stale, f"tests/lanes.py's SLOW names what is not there: {stale}"


@pytest.mark.parametrize(
    ("node_id", "slow"),
    [
        (
            "tests/faults/test_outages.py::test_sigterm_lets_a_request_in_flight_finish_with_200",
            True,
        ),
        (
            "tests/security/test_shared_rate_limit.py"
            "::test_with_redis_unreachable_the_storefront_keeps_selling_and_says_so",
            True,
        ),
        (
            "tests/integration/test_serve.py"
            "::test_the_real_command_serves_and_stops_cleanly_on_sigterm[case]",
            True,
        ),
        ("tests/security/test_shared_rate_limit.py::test_two_apps_on_one_redis", False),
        (
            "tests/integration/test_serve.py"
            "::test_the_real_command_serves_and_stops_cleanly_on_sigterm_twice",
            False,
        ),
        ("tests/faults/test_outages_elsewhere.py::test_x", False),
    ],
    ids=[
        "a listed module's test",
        "a listed test",
        "a listed test's case",
        "another test of a module with one listed",
        "a test whose name begins with a listed one's",
        "a module whose name begins with a listed one's",
    ],
)
def test_slow_holds_a_listed_module_s_tests_and_a_listed_test_s_cases(
    node_id: str, slow: bool
) -> None:
    assert is_slow(node_id) is slow


@pytest.mark.parametrize(
    ("node_id", "postgresql"),
    [
        ("tests/contract/test_event_inbox.py::test_x[postgresql]", True),
        ("tests/security/test_x.py::test_y[asyncio-postgresql]", True),
        ("tests/security/test_x.py::test_y[postgresql-a payment id-C1 NEL]", True),
        ("tests/contract/test_event_inbox.py::test_x[sqlite]", False),
        ("tests/contract/test_connection_pool.py::test_the_pool_size_on_postgresql", False),
        ("tests/integration/test_postgres_concurrency.py::test_x[sqlite]", False),
        ("tests/e2e/test_x.py::test_y[GET-/api/v1/postgresql-ish]", False),
    ],
    ids=["one id", "the last id", "the first id", "sqlite", "a name", "a module's name", "a path"],
)
def test_on_postgresql_are_the_cases_an_id_of_which_is_postgresql(
    node_id: str, postgresql: bool
) -> None:
    assert on_postgresql(node_id) is postgresql
