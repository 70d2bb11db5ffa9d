from __future__ import annotations

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.usefixtures("backend")
scenarios("workflows/disputes.feature")
