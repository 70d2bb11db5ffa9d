from __future__ import annotations

import pytest
from bdd.wording import phrase
from pytest_bdd import scenarios, then, when

from .steps.cards import card_ending
from .story import Story

pytestmark = pytest.mark.usefixtures("backend")
scenarios("workflows/saved_cards.feature")


@when(phrase('the store makes the card ending {last4} the default for "{email}"'))
def _(story: Story, last4: str, email: str) -> None:
    card = card_ending(story, story.store(), email, last4)
    story.attempt.run(lambda: story.market.make_default_card(story.store(), email, card.id))


@when(phrase('the store removes the card ending {last4} of "{email}"'))
def _(story: Story, last4: str, email: str, removed: dict[str, str]) -> None:
    card = card_ending(story, story.store(), email, last4)
    removed[last4] = card.id
    story.attempt.run(lambda: story.market.remove_card(story.store(), email, card.id))


@then(phrase("the gateway no longer keeps the card ending {last4} for the shopper"))
def _(story: Story, last4: str, removed: dict[str, str]) -> None:
    assert not story.market.card_kept_at_gateway(removed[last4])


@pytest.fixture
def removed() -> dict[str, str]:
    return {}
