from __future__ import annotations

from collections.abc import Callable

import pytest
from bdd.wording import phrase
from pytest_bdd import scenarios, then, when

from domain.money import Money

from .steps.cards import card_ending
from .story import Story

pytestmark = pytest.mark.usefixtures("backend")
scenarios("workflows/tenant_isolation.feature")

OWNER = "Kiosk"


def _attempts(story: Story, intruder_name: str) -> dict[str, Callable[[], object]]:
    market, intruder, owner = story.market, story.store(intruder_name), story.store(OWNER)
    _, order = story.order()
    payment = story.latest_checkout_of(OWNER).payment
    email = order.customer_email
    card = card_ending(story, owner, email, "4242").id
    return {
        "read Kiosk's order": lambda: market.order(intruder, order.id),
        "register a payment for Kiosk's order": lambda: market.check_out(
            intruder, order.id, order.amount, email
        ),
        "read Kiosk's payment and its refunds": lambda: market.payment(intruder, payment),
        "refund Kiosk's payment": lambda: market.refund(
            intruder, payment, Money.parse("5.00", "EUR")
        ),
        "make Kiosk's shopper's card the default": lambda: market.make_default_card(
            intruder, email, card
        ),
        "remove Kiosk's shopper's card": lambda: market.remove_card(intruder, email, card),
    }


@when(phrase('the store "{name}" tries to {action}'))
def _(story: Story, name: str, action: str) -> None:
    story.attempt.run(_attempts(story, name)[action])


@then(phrase('the store "{name}" has {count:Number} payments'))
def _(story: Story, name: str, count: int) -> None:
    assert len(story.market.payments(story.store(name))) == count


@then(phrase('"{email}" has no saved cards at the store "{name}"'))
def _(story: Story, email: str, name: str) -> None:
    assert story.market.saved_cards(story.store(name), email) == []
