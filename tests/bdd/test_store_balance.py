from pytest_bdd import scenarios, then

from domain.ledger import Party

from .marketplace import Marketplace
from .wording import phrase

scenarios("store_balance.feature")


@then(phrase("the store has balances in {currencies}"))
def _(market: Marketplace, currencies: str) -> None:
    assert market.balance_currencies() == currencies.replace(" and ", ", ").split(", ")


@then("no money was created or lost")
def _(market: Marketplace) -> None:
    for currency in market.balance_currencies():
        balance, fees = market.store_balance(currency), market.platform_fees(currency)
        held = market.holdings(currency)
        assert held[Party.STORE] == balance.net
        assert held[Party.PLATFORM] == fees.net
        assert held[Party.SHOPPER] == balance.refunds + balance.disputed - balance.gross_volume
