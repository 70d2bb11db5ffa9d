from dataclasses import dataclass

import pytest
from pytest_bdd import scenarios, then, when

from domain.fees import FeeBreakdown
from domain.money import Money

from .marketplace import Marketplace
from .outcome import Outcome
from .wording import fee_policy, fields, phrase

scenarios("fee_policies.feature")


@dataclass
class Quote:
    """How the last payment quoted divides between the platform and the store."""

    breakdown: FeeBreakdown | None = None

    def divided(self) -> FeeBreakdown:
        assert self.breakdown is not None, "no payment was quoted"
        return self.breakdown


@pytest.fixture
def quote() -> Quote:
    return Quote()


@when("the platform sets the fee policy:")
def _(market: Marketplace, outcome: Outcome, datatable: list[list[str]]) -> None:
    market.fee_policy = outcome.attempt(lambda: fee_policy(fields(datatable)))


@when(phrase("a shopper pays {total:Money}"))
def _(market: Marketplace, outcome: Outcome, quote: Quote, total: Money) -> None:
    quote.breakdown = outcome.attempt(lambda: market.quote(total))


@then(phrase("the platform fee is {fee:Money}"))
def _(quote: Quote, fee: Money) -> None:
    assert quote.divided().platform_fee == fee


@then(phrase("the store gets {share:Money}"))
def _(quote: Quote, share: Money) -> None:
    assert quote.divided().store_amount == share
    assert quote.divided().platform_fee + share == quote.divided().total
