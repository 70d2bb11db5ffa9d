import os

import pytest
from hypothesis import HealthCheck, settings
from lanes import OutOfLane, lane_markers

# CI runs the same examples every time, so a red build always reproduces; locally hypothesis
# explores new ones on each run and remembers failures in .hypothesis/.
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


# First, so that -m selects by these markers.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test with its layer, and the slow ones as slow (see lanes.py)."""
    for item in items:
        marked = (mark.name for mark in item.iter_markers())
        try:
            markers = lane_markers(item.path, item.nodeid, marked)
        except OutOfLane as refusal:
            raise pytest.UsageError(str(refusal)) from None
        for marker in markers:
            item.add_marker(marker)
