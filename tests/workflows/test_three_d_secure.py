from __future__ import annotations

import pytest
from pytest_bdd import given, scenarios, when

from .story import Story

pytestmark = pytest.mark.usefixtures("backend")
scenarios("workflows/three_d_secure.feature")


@given("the shopper failed 3-D Secure")
@when("the shopper fails 3-D Secure")
def _(story: Story) -> None:
    story.market.authenticate(story.checkout, success=False)


@when("the shopper passes 3-D Secure")
def _(story: Story) -> None:
    story.market.authenticate(story.checkout, success=True)
