"""Orders a store registers, and where they stand."""

from __future__ import annotations

from bdd.wording import phrase, words
from pytest_bdd import given, then

from domain.money import Money

from ..story import Story
from .checkout import CARDS


@given(phrase('the store has an order "{reference}" of {amount:Money} for "{email}"'))
def _(story: Story, reference: str, amount: Money, email: str) -> None:
    story.keep_order(story.market.register_order(story.store(), reference, email, amount))


@given(phrase('the store "{name}" has an order "{reference}" of {amount:Money} for "{email}"'))
def _(story: Story, name: str, reference: str, amount: Money, email: str) -> None:
    store = story.use_store(name)
    story.keep_order(story.market.register_order(store, reference, email, amount))


@given(phrase('order "{reference}" of {amount:Money} was paid by "{email}"'))
def _(story: Story, reference: str, amount: Money, email: str) -> None:
    story.keep_order(story.market.register_order(story.store(), reference, email, amount))
    story.market.pay(story.check_out(), CARDS["a card that succeeds"])


@then(phrase("the order is {status}, its payment {payment_status}"))
def _(story: Story, status: str, payment_status: str) -> None:
    _, order = story.order()
    assert (words(order.status), words(order.payment_status)) == (status, payment_status)
