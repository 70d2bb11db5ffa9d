from __future__ import annotations

import pytest
from bdd.wording import fields, phrase
from pytest_bdd import scenarios, then

from .driver import Fees
from .story import Story

pytestmark = pytest.mark.usefixtures("backend")
scenarios("workflows/platform_fees.feature")


def _check(fees: list[Fees], currency: str, table: list[list[str]]) -> None:
    found = next((f for f in fees if f.currency == currency), None)
    assert found is not None, f"no fees in {currency}"
    shown = {"collected": found.collected, "given back": found.given_back, "net": found.net}
    expected = fields(table)
    assert {name: shown[name].format() for name in expected} == expected


@then(phrase("the platform's fees in {currency} are:"))
def _(story: Story, currency: str, datatable: list[list[str]]) -> None:
    _check(story.market.platform_fees().totals, currency, datatable)


@then(phrase('the platform\'s fees from the store "{name}" in {currency} are:'))
def _(story: Story, name: str, currency: str, datatable: list[list[str]]) -> None:
    by_store = story.market.platform_fees().by_store
    _check(by_store.get(story.store(name).id, []), currency, datatable)
