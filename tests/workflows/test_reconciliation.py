from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from .story import Story

pytestmark = pytest.mark.usefixtures("backend")
scenarios("workflows/reconciliation.feature")


@pytest.fixture
def brought_up_to_date() -> list[int]:
    return []


@given("reconciliation ran")
@when("reconciliation runs")
def _(story: Story, brought_up_to_date: list[int]) -> None:
    brought_up_to_date.append(story.market.reconcile())


@then(parsers.re(r"reconciliation brought (?P<count>\d+) payments? up to date"))
def _(brought_up_to_date: list[int], count: str) -> None:
    assert brought_up_to_date[-1] == int(count)


@when("the lost reports arrive after all, each twice")
def _(story: Story) -> None:
    story.market.release_webhooks(order="sent", duplicates=1.0)
