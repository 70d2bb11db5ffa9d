"""What stores have taken, as their balance shows it."""

from __future__ import annotations

from bdd.wording import fields, phrase
from pytest_bdd import then

from domain.money import Money

from ..driver import Balance, StoreRef
from ..story import Story


def check_balance(story: Story, store: StoreRef, currency: str, table: list[list[str]]) -> None:
    balance = next((b for b in story.market.balances(store) if b.currency == currency), None)
    assert balance is not None, f"no balance in {currency}"
    expected = fields(table)
    shown = {name: _shown(balance)[name].format() for name in expected}
    assert shown == expected


def _shown(balance: Balance) -> dict[str, Money]:
    return {
        "gross volume": balance.gross_volume,
        "platform fees": balance.platform_fees,
        "refunds": balance.refunds,
        "fee refunds": balance.fee_refunds,
        "disputed": balance.disputed,
        "net": balance.net,
    }


@then(phrase("the store's balance in {currency} is:"))
def _(story: Story, currency: str, datatable: list[list[str]]) -> None:
    check_balance(story, story.store(), currency, datatable)


@then(phrase('the balance of the store "{name}" in {currency} is:'))
def _(story: Story, name: str, currency: str, datatable: list[list[str]]) -> None:
    check_balance(story, story.store(name), currency, datatable)


@then("no money has moved for the store")
def _(story: Story) -> None:
    assert story.market.balances(story.store()) == []


@then(phrase('no money has moved for the store "{name}"'))
def _(story: Story, name: str) -> None:
    assert story.market.balances(story.store(name)) == []
