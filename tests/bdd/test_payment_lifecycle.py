from pytest_bdd import scenarios, then

from .marketplace import Marketplace
from .wording import phrase

scenarios("payment_lifecycle.feature")

_FAILURE_REASONS = {"the card was declined": "card_declined"}


@then(phrase("the payment failed because {reason}"))
def _(market: Marketplace, reason: str) -> None:
    assert market.payment.failure_reason == _FAILURE_REASONS[reason]
