"""Which lane each test runs in: its layer, whether it is slow, whether it is on PostgreSQL.

Every test gets the marker of its layer (the directory under ``tests/`` it lives in); when it
takes over a second, ``slow``; when it is the PostgreSQL case of a test run on several databases,
``postgresql``. ``tests/conftest.py`` applies them at collection. Select with ``-m``: ``-m unit``,
``-m "contract and not postgresql"``. Each marker is registered in pyproject.toml.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

TESTS = Path(__file__).resolve().parent

# A layer's marker is its directory's name.
LAYERS = (
    "unit",
    "bdd",
    "application",
    "architecture",
    "contract",
    "workflows",
    "security",
    "e2e",
    "integration",
    "faults",
    "browser",
)

# The tests over a second each on a 2-core machine (``pytest --durations=0``): a module's path
# marks all its tests, a test's node id (without parameters) marks every one of its cases.
# The browser tests are not listed: they are a lane of their own (-m browser).
SLOW = (
    "tests/application/test_event_interleavings.py"
    "::test_late_shuffled_and_repeated_webhooks_end_where_timely_ones_do",
    "tests/faults/test_outages.py",
    "tests/faults/test_webhook_storm.py",
    "tests/e2e/test_simulator_banks_and_accounts.py"
    "::test_stripe_asks_for_more_and_the_store_stops_taking_payments",
    "tests/integration/test_readme_tour.py",
    "tests/integration/test_serve.py::test_the_real_command_serves_and_stops_cleanly_on_sigterm",
    "tests/integration/test_serve.py"
    "::test_several_simulated_workers_share_one_emulator_served_apart_until_serve_stops",
    "tests/integration/test_serve_workers.py",
    "tests/integration/test_localstripe.py"
    "::test_a_signed_payment_event_verifies_and_reads_as_the_payment",
    "tests/security/test_concurrent_idempotent_retries.py",
    "tests/security/test_shared_rate_limit.py"
    "::test_with_redis_unreachable_the_storefront_keeps_selling_and_says_so",
    "tests/security/test_slow_bodies.py",
)


def layer_of(path: Path) -> str | None:
    """The layer of the test module at ``path``, or None when it lies in no layer's directory."""
    try:
        top = path.resolve().relative_to(TESTS).parts[0]
    except (ValueError, IndexError):
        return None
    return top if top in LAYERS else None


def is_slow(node_id: str) -> bool:
    """Whether the test with this node id (``tests/…/test_x.py::test_y[case]``) is slow."""
    return any(
        node_id == entry or node_id.startswith((f"{entry}::", f"{entry}[")) for entry in SLOW
    )


class OutOfLane(Exception):
    """A test whose layer its directory does not tell."""


def on_postgresql(node_id: str) -> bool:
    """Whether the test case ``node_id`` runs on PostgreSQL: one of its ids is ``postgresql``."""
    _, bracket, ids = node_id.partition("[")
    return bool(bracket) and "postgresql" in ids.removesuffix("]").split("-")


def lane_markers(path: Path, node_id: str, marked: Iterable[str]) -> tuple[str, ...]:
    """The markers of the test ``node_id`` in the module at ``path``, already ``marked`` so.

    Its layer's, then ``slow`` and ``postgresql`` when it is slow or on PostgreSQL. A test outside
    every layer's directory, or marked with another layer's marker, is refused: each test is in
    exactly one layer.
    """
    layer = layer_of(path)
    if layer is None:
        raise OutOfLane(
            f"{node_id} lies outside every layer's directory: add its directory to LAYERS in "
            "tests/lanes.py and its marker to pyproject.toml"
        )
    others = sorted(set(marked) & set(LAYERS) - {layer})
    if others:
        raise OutOfLane(
            f"{node_id} is in tests/{layer}/ but marked {', '.join(others)}: a test's layer is "
            "its directory's"
        )
    return (
        layer,
        *(["slow"] if is_slow(node_id) else []),
        *(["postgresql"] if on_postgresql(node_id) else []),
    )
