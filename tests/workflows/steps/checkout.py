"""Shoppers checking out and paying with Stripe's test cards, and the payment that follows."""

from __future__ import annotations

from bdd.wording import phrase, words
from pytest_bdd import given, then, when

from domain.money import Money

from ..story import Story

CARDS = {
    "a card that succeeds": "4242424242424242",
    "a Mastercard that succeeds": "5555555555554444",
    "a card that is declined": "4000000000000002",
    "a card with insufficient funds": "4000000000009995",
    "a card that needs 3-D Secure": "4000002500003155",
    "a card that is later disputed": "4000000000000259",
}


@given("the shopper checked out the order")
def _(story: Story) -> None:
    story.check_out()


@when("the shopper checks out the order")
@when("the shopper checks out the order again")
def _(story: Story) -> None:
    story.attempt.run(story.check_out)


@when("the shopper checks out the order, saving the card")
def _(story: Story) -> None:
    story.attempt.run(lambda: story.check_out(save_card=True))


@when(phrase('the shopper "{email}" checks out the order for {amount:Money}'))
def _(story: Story, email: str, amount: Money) -> None:
    story.attempt.run(lambda: story.check_out(email=email, amount=amount))


@given(phrase("the shopper paid with {card}"))
def _(story: Story, card: str) -> None:
    story.market.pay(story.checkout, CARDS[card])


@when(phrase("the shopper pays with {card}"))
def _(story: Story, card: str) -> None:
    story.attempt.run(lambda: story.market.pay(story.checkout, CARDS[card]))


@given(phrase('"{email}" saved {card} paying order "{reference}"'))
def _(story: Story, email: str, card: str, reference: str) -> None:
    story.use_order(reference)
    _, order = story.order()
    assert order.customer_email == email, f"order {reference} is {order.customer_email}'s"
    story.sign_in()
    checkout = story.check_out(save_card=True)
    story.sign_out()
    story.market.pay(checkout, CARDS[card])


@then(phrase("the payment status is {status}"))
@given(phrase("the payment status is {status}"))
def _(story: Story, status: str) -> None:
    payment = story.market.payment(story.payment_store(), story.checkout.payment)
    assert words(payment.status) == status


@then(phrase("the payment failed because of {reason}"))
def _(story: Story, reason: str) -> None:
    payment = story.market.payment(story.payment_store(), story.checkout.payment)
    assert payment.failure_reason is not None, f"the payment is {payment.status}"
    assert words(payment.failure_reason) == reason


@then("the shopper is given the same payment as before")
def _(story: Story) -> None:
    (_, first), (_, again) = story.checkouts[-2:]
    assert (again.payment, again.intent) == (first.payment, first.intent)


@then(phrase("of {total:Money} the platform keeps {fee:Money} and the store {share:Money}"))
def _(story: Story, total: Money, fee: Money, share: Money) -> None:
    breakdown = story.breakdown
    assert breakdown is not None, "no fee breakdown was shown"
    assert (breakdown.total, breakdown.platform_fee, breakdown.store_amount) == (total, fee, share)
    if story.checkouts and breakdown is story.checkout.breakdown:
        payment = story.market.payment(story.payment_store(), story.checkout.payment)
        recorded = (payment.amount_total, payment.amount_platform_fee, payment.amount_store)
        assert recorded == (total, fee, share)


@then(
    phrase(
        "the gateway charges {amount:Money}, keeping {fee:Money} for the platform "
        "and sending the rest to the store's account"
    )
)
def _(story: Story, amount: Money, fee: Money) -> None:
    charge = story.market.charge_at_gateway(story.checkout)
    account = story.market.store(story.payment_store()).account
    assert (charge.amount, charge.platform_fee, charge.destination) == (amount, fee, account)
