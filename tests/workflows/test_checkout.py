from __future__ import annotations

import pytest
from bdd.wording import phrase
from pytest_bdd import scenarios, then, when

from domain.money import Money

from .story import Story

pytestmark = pytest.mark.usefixtures("backend")
scenarios("workflows/checkout.feature")


@when(phrase("the storefront previews the fee on {total:Money}"))
def _(story: Story, total: Money) -> None:
    story.breakdown = story.attempt.run(lambda: story.market.preview_fee(story.store(), total))


@when("the shopper checks out an order the store never registered")
def _(story: Story) -> None:
    _, order = story.order()
    store = story.store()
    story.attempt.run(
        lambda: story.market.check_out(store, "never-registered", order.amount, "ana@example.lu")
    )


@when(phrase('the shopper checks out order "{reference}" at the store "{name}"'))
def _(story: Story, reference: str, name: str) -> None:
    _, order = story.order(reference)
    store = story.store(name)
    story.attempt.run(
        lambda: story.market.check_out(store, order.id, order.amount, order.customer_email)
    )


@then(phrase("the store has {count:Number} payment"))
def _(story: Story, count: int) -> None:
    assert len(story.market.payments(story.store())) == count
