"""The gateway's reports (webhooks): on time, late, repeated, reordered or lost; and disputes."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from bdd.wording import phrase
from pytest_bdd import given, parsers, then, when

from ..story import Story

_LATE = re.compile(
    r"late, (?P<order>in the order they were sent|newest first|shuffled \(draw (?P<draw>\d+)\))"
    r"(?:, (?P<copies>each|some) twice)?"
)


@dataclass(frozen=True)
class Delivery:
    """How held reports arrive when they are released."""

    order: str
    duplicates: float


@pytest.fixture
def delivery() -> Delivery:
    return Delivery("sent", 0.0)


def read_delivery(text: str) -> Delivery | None:
    """``None`` for reports that arrive as they happen."""
    if text == "as they happen":
        return None
    late = _LATE.fullmatch(text)
    if late is None:
        raise ValueError(f"reports do not arrive {text!r}")
    order = {"in the order they were sent": "sent", "newest first": "newest first"}.get(
        late["order"], f"shuffled {late['draw']}"
    )
    duplicates = {None: 0.0, "each": 1.0, "some": 0.5}[late["copies"]]
    return Delivery(order, duplicates)


@given(phrase("the gateway's reports arrive {how}"), target_fixture="delivery")
def _(story: Story, how: str) -> Delivery:
    late = read_delivery(how)
    if late is None:
        return Delivery("sent", 0.0)
    story.market.hold_webhooks()
    return late


@given("the gateway's reports are lost on the way")
def _(story: Story) -> None:
    story.market.hold_webhooks()


@given("the reports held so far arrived")
@when("the reports held so far arrive")
def _(story: Story, delivery: Delivery) -> None:
    story.market.release_webhooks(order=delivery.order, duplicates=delivery.duplicates)


@then("every report was accepted")
def _(story: Story) -> None:
    assert story.market.webhooks_refused() == 0


@given(parsers.re("the store (?P<outcome>won|lost) the dispute"))
@when(parsers.re("the store (?P<outcome>wins|loses) the dispute"))
def _(story: Story, outcome: str) -> None:
    won = {"won": True, "wins": True, "lost": False, "loses": False}[outcome]
    story.market.close_dispute(story.checkout, won=won)
