from __future__ import annotations

import pytest
from bdd.wording import phrase
from pytest_bdd import scenarios, then, when

from domain.money import Money

from .driver import OrderView
from .story import Story

pytestmark = pytest.mark.usefixtures("backend")
scenarios("workflows/order_registration.feature")


def _register(story: Story, name: str | None, reference: str, amount: Money, email: str) -> None:
    store = story.store(name)
    story.registered = story.attempt.run(
        lambda: story.market.register_order(store, reference, email, amount)
    )


def _registered(story: Story) -> OrderView:
    assert story.registered is not None, "no order was registered"
    return story.registered


@when(phrase('the store registers order "{reference}" of {amount:Money} for "{email}"'))
def _(story: Story, reference: str, amount: Money, email: str) -> None:
    _register(story, None, reference, amount, email)


@when(phrase('the store "{name}" registers order "{reference}" of {amount:Money} for "{email}"'))
def _(story: Story, name: str, reference: str, amount: Money, email: str) -> None:
    _register(story, name, reference, amount, email)


@then("the store is given back the order it registered first")
def _(story: Story) -> None:
    _, first = story.order()
    assert _registered(story).id == first.id


@then(phrase('the order is of {amount:Money} for "{email}"'))
def _(story: Story, amount: Money, email: str) -> None:
    _, order = story.order()
    assert (order.amount, order.customer_email) == (amount, email)


@then(phrase('it is a new order of {amount:Money} for "{email}"'))
def _(story: Story, amount: Money, email: str) -> None:
    order = _registered(story)
    assert order.id not in {known.id for known in story.orders.values()}
    assert (order.amount, order.customer_email) == (amount, email)


@then(phrase('the order "{reference}" of the store "{name}" is of {amount:Money} for "{email}"'))
def _(story: Story, reference: str, name: str, amount: Money, email: str) -> None:
    order = story.order_of(name, reference)
    assert (order.amount, order.customer_email) == (amount, email)
