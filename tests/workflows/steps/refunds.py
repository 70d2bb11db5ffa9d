"""Stores refunding payments, and what is left to refund."""

from __future__ import annotations

from bdd.wording import money_list, phrase, words
from pytest_bdd import given, then, when

from domain.money import Money

from ..driver import PaymentView, RefundView
from ..story import Story


def current_payment(story: Story) -> PaymentView:
    return story.market.payment(story.payment_store(), story.checkout.payment)


def latest_refund(story: Story) -> RefundView:
    """The refund made last, as the store sees it now."""
    assert story.refunds, "no refund was made"
    made = story.refunds[-1]
    (now,) = [r for r in current_payment(story).refunds if r.id == made.id]
    return now


def refund(
    story: Story,
    amount: Money | None,
    *,
    key: str | None = None,
    store_name: str | None = None,
) -> None:
    name = story.checkouts[-1][0] if store_name is None else store_name
    payment = story.latest_checkout_of(name).payment
    story.refunds.append(story.market.refund(story.store(name), payment, amount, key))


@given(phrase("the store refunded {amount:Money}"))
def _(story: Story, amount: Money) -> None:
    refund(story, amount)


@given(phrase('the store "{name}" refunded {amount:Money}'))
def _(story: Story, name: str, amount: Money) -> None:
    refund(story, amount, store_name=name)


@when(phrase("the store refunds {amount:Money}"))
def _(story: Story, amount: Money) -> None:
    story.attempt.run(lambda: refund(story, amount))


@given("the gateway will fail the next refund")
def _(story: Story) -> None:
    story.market.fail_next_refund()


@given("the gateway settled its refunds")
@when("the gateway settles its refunds")
def _(story: Story) -> None:
    story.market.settle_refunds()


@given(phrase("the refund is {status}"))
@then(phrase("the refund is {status}"))
def _(story: Story, status: str) -> None:
    assert words(latest_refund(story).status) == status


@then(phrase("{amount:Money} is left to refund"))
def _(story: Story, amount: Money) -> None:
    assert current_payment(story).refundable == amount


@then("nothing is left to refund")
def _(story: Story) -> None:
    assert current_payment(story).refundable.is_zero


@then(phrase("the refunds give back fee shares of {shares}"))
def _(story: Story, shares: str) -> None:
    given_back = [r.platform_fee_refunded for r in current_payment(story).refunds]
    assert given_back == money_list(shares), [str(share) for share in given_back]


@then(
    phrase(
        "the gateway has given the shopper back {amount:Money} in all, "
        "with {fee:Money} of the platform fee"
    )
)
def _(story: Story, amount: Money, fee: Money) -> None:
    given_back = story.market.refunds_at_gateway(story.checkout)
    assert (given_back.amount, given_back.platform_fee) == (amount, fee)
