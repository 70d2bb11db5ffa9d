from __future__ import annotations

import pytest
from bdd.wording import phrase
from pytest_bdd import given, scenarios, then, when

from domain.money import Money

from .story import Story

pytestmark = pytest.mark.usefixtures("backend")
scenarios("workflows/payout_settings.feature")


@given(phrase("the store chose {schedule} payouts"))
def _(story: Story, schedule: str) -> None:
    story.market.change_payouts(story.store(), schedule=schedule)


@when(phrase("the store chooses {schedule} payouts"))
def _(story: Story, schedule: str) -> None:
    story.attempt.run(lambda: story.market.change_payouts(story.store(), schedule=schedule))


@when(phrase("the store sets a minimum payout of {minimum:Money}"))
def _(story: Story, minimum: Money) -> None:
    story.attempt.run(lambda: story.market.change_payouts(story.store(), minimum=minimum))


@then(phrase("payouts are {schedule}"))
def _(story: Story, schedule: str) -> None:
    assert story.market.store(story.store()).payout_schedule == schedule


@then(phrase("the gateway pays the store out {schedule}"))
def _(story: Story, schedule: str) -> None:
    assert story.market.payout_schedule_at_gateway(story.store()) == schedule


@then(phrase("the minimum payout is {minimum:Money}"))
def _(story: Story, minimum: Money) -> None:
    assert story.market.store(story.store()).minimum_payout == minimum
