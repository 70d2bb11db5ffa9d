"""The cards shoppers saved with a store."""

from __future__ import annotations

from bdd.wording import phrase, records
from pytest_bdd import given, then, when

from ..driver import SavedCard, StoreRef
from ..story import Story


def card_ending(story: Story, store: StoreRef, email: str, last4: str) -> SavedCard:
    cards = [c for c in story.market.saved_cards(store, email) if c.last4 == last4]
    assert len(cards) == 1, f"{len(cards)} saved cards ending {last4}"
    return cards[0]


def _row(card: SavedCard, columns: list[str]) -> dict[str, str]:
    row = {"brand": card.brand, "ending": card.last4, "default": "yes" if card.is_default else "no"}
    return {name: row[name] for name in columns}


def _order(row: dict[str, str]) -> tuple[str, ...]:
    return tuple(row.values())


@then(phrase('the cards saved for "{email}" are:'))
def _(story: Story, email: str, datatable: list[list[str]]) -> None:
    expected = records(datatable)
    columns = [name.strip() for name in datatable[0]]
    shown = [_row(card, columns) for card in story.market.saved_cards(story.store(), email)]
    assert sorted(shown, key=_order) == sorted(expected, key=_order)


@then(phrase('"{email}" has no saved cards'))
def _(story: Story, email: str) -> None:
    assert story.market.saved_cards(story.store(), email) == []


@given("the shopper signed in at the store")
def _(story: Story) -> None:
    story.sign_in()


@then(phrase('the checkout offers the card ending {last4} of "{email}"'))
def _(story: Story, last4: str, email: str) -> None:
    store, order = story.order()
    card = card_ending(story, store, email, last4)
    assert story.market.cards_offered(store, order.id, story.customer_session) == [card.id]


@then("the checkout offers no saved card")
def _(story: Story) -> None:
    store, order = story.order()
    assert story.market.cards_offered(store, order.id, story.customer_session) == []


@when(phrase('the shopper chooses the saved card ending {last4} of "{email}" to pay'))
def _(story: Story, last4: str, email: str) -> None:
    card = card_ending(story, story.store(), email, last4)
    story.attempt.run(lambda: story.market.pay_with_saved_card(story.checkout, card.id))


@then("the saved card could not pay")
def _(story: Story) -> None:
    story.attempt.refused()  # the gateway knows no such card for this payment's customer
    _, order = story.order()
    assert order.payment_status == "pending"
