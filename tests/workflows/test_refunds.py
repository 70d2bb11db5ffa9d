from __future__ import annotations

import pytest
from bdd.wording import phrase
from pytest_bdd import given, scenarios, then, when

from domain.money import Money

from .steps.refunds import current_payment, latest_refund, refund
from .story import Story

pytestmark = pytest.mark.usefixtures("backend")
scenarios("workflows/refunds.feature")


@when("the store refunds the rest of the payment")
def _(story: Story) -> None:
    story.attempt.run(lambda: refund(story, None))


@given(phrase('the store refunded {amount:Money} under idempotency key "{key}"'))
def _(story: Story, amount: Money, key: str) -> None:
    refund(story, amount, key=key)


@when(phrase('the store refunds {amount:Money} under idempotency key "{key}"'))
def _(story: Story, amount: Money, key: str) -> None:
    story.attempt.run(lambda: refund(story, amount, key=key))


@then(phrase("the refund amounts to {amount:Money}"))
def _(story: Story, amount: Money) -> None:
    assert latest_refund(story).amount == amount


@then(
    phrase(
        "the refund gives back {fee:Money} of the platform fee "
        "and takes {share:Money} from the store"
    )
)
def _(story: Story, fee: Money, share: Money) -> None:
    made = latest_refund(story)
    assert (made.platform_fee_refunded, made.store_amount_refunded) == (fee, share)


@then("the store is given the refund it made first")
def _(story: Story) -> None:
    first, again = story.refunds[-2:]
    assert again == first


@then(phrase("the payment has {count:Number} refund"))
def _(story: Story, count: int) -> None:
    assert len(current_payment(story).refunds) == count
