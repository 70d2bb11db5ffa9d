"""Stores opening, taking payments, and the fee the platform charges them."""

from __future__ import annotations

import re
from datetime import timedelta

from bdd.wording import MONEY_PATTERN, money, phrase
from pytest_bdd import given, parsers, when

from ..story import Story

_FEE = re.compile(rf"(?P<percentage>[0-9.]+) %(?: plus (?P<fixed>{MONEY_PATTERN}))?")


@given(phrase('a new store "{name}" in {currency}'))
def _(story: Story, name: str, currency: str) -> None:
    story.open_store(name, currency)


@given(phrase('the store "{name}" takes payments in {currency}'))
def _(story: Story, name: str, currency: str) -> None:
    store = story.open_store(name, currency)
    story.market.set_up_payments(store)
    story.market.finish_onboarding(store)


@given(parsers.re(rf"the platform charges the store (?P<policy>{_FEE.pattern})"))
def _(story: Story, policy: str) -> None:
    terms = _FEE.fullmatch(policy)
    assert terms is not None
    fixed = None if terms["fixed"] is None else money(terms["fixed"])
    story.market.set_fee(story.store(), terms["percentage"], fixed)


@given(phrase("{count:Number} {unit} have passed"))
@when(phrase("{count:Number} {unit} pass"))
def _(story: Story, count: int, unit: str) -> None:
    story.market.pass_time(timedelta(**{unit: count}))
