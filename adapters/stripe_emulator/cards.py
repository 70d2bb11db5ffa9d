"""Stripe's test cards and what each one does when a shopper pays with it.

A number that is not in the table is declined like Stripe's generic decline card
(``card_declined`` / ``generic_decline``), so a typing mistake on the checkout page reads as a
declined card instead of an error.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

SUCCEEDS = "4242424242424242"
SUCCEEDS_MASTERCARD = "5555555555554444"
SUCCEEDS_AMEX = "378282246310005"
DECLINED = "4000000000000002"
INSUFFICIENT_FUNDS = "4000000000009995"
LOST_CARD = "4000000000009987"
EXPIRED_CARD = "4000000000000069"
INCORRECT_CVC = "4000000000000127"
PROCESSING_ERROR = "4000000000000119"
REQUIRES_AUTHENTICATION = "4000002500003155"
DISPUTED = "4000000000000259"
REFUND_FAILS = "4000000000005126"


class Outcome(enum.Enum):
    SUCCEEDS = "succeeds"
    DECLINED = "declined"
    REQUIRES_AUTHENTICATION = "requires_authentication"
    DISPUTED = "disputed"


@dataclass(frozen=True, slots=True)
class Decline:
    code: str
    decline_code: str | None
    message: str


@dataclass(frozen=True, slots=True)
class Card:
    number: str
    outcome: Outcome
    decline: Decline | None = None
    refunds_fail: bool = False

    @property
    def brand(self) -> str:
        return card_brand(self.number)

    @property
    def last4(self) -> str:
        return self.number[-4:]


GENERIC_DECLINE = Decline("card_declined", "generic_decline", "Your card was declined.")
EXPIRED = Decline("expired_card", "expired_card", "Your card has expired.")
AUTHENTICATION_FAILURE = Decline(
    "payment_intent_authentication_failure",
    None,
    "We are unable to authenticate your payment method. "
    "Please choose a different payment method and try again.",
)


def _declined(number: str, code: str, decline_code: str | None, message: str) -> Card:
    return Card(number, Outcome.DECLINED, Decline(code, decline_code, message))


CARDS: dict[str, Card] = {
    card.number: card
    for card in (
        Card(SUCCEEDS, Outcome.SUCCEEDS),
        Card(SUCCEEDS_MASTERCARD, Outcome.SUCCEEDS),
        Card(SUCCEEDS_AMEX, Outcome.SUCCEEDS),
        Card(DECLINED, Outcome.DECLINED, GENERIC_DECLINE),
        _declined(
            INSUFFICIENT_FUNDS,
            "card_declined",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
        _declined(LOST_CARD, "card_declined", "lost_card", "Your card was declined."),
        Card(EXPIRED_CARD, Outcome.DECLINED, EXPIRED),
        _declined(
            INCORRECT_CVC,
            "incorrect_cvc",
            "incorrect_cvc",
            "Your card's security code is incorrect.",
        ),
        _declined(
            PROCESSING_ERROR,
            "processing_error",
            "processing_error",
            "An error occurred while processing your card. Try again in a little bit.",
        ),
        Card(REQUIRES_AUTHENTICATION, Outcome.REQUIRES_AUTHENTICATION),
        Card(DISPUTED, Outcome.DISPUTED),
        Card(REFUND_FAILS, Outcome.SUCCEEDS, refunds_fail=True),
    )
}


def normalize(number: str) -> str:
    return "".join(character for character in number if character.isdigit())


def card_for(number: str) -> Card:
    digits = normalize(number)
    return CARDS.get(digits) or Card(digits, Outcome.DECLINED, GENERIC_DECLINE)


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in ("34", "37"):
        return "amex"
    if number[:2] in ("51", "52", "53", "54", "55") or 2221 <= int(number[:4] or 0) <= 2720:
        return "mastercard"
    return "unknown"


# Stripe's test payment methods: confirming with ``payment_method=pm_card_visa`` pays as the
# card behind the name does.
TOKENS: dict[str, str] = {
    "pm_card_visa": SUCCEEDS,
    "pm_card_mastercard": SUCCEEDS_MASTERCARD,
    "pm_card_amex": SUCCEEDS_AMEX,
    "pm_card_chargeDeclined": DECLINED,
    "pm_card_chargeDeclinedInsufficientFunds": INSUFFICIENT_FUNDS,
    "pm_card_chargeDeclinedLostCard": LOST_CARD,
    "pm_card_chargeDeclinedExpiredCard": EXPIRED_CARD,
    "pm_card_chargeDeclinedIncorrectCvc": INCORRECT_CVC,
    "pm_card_chargeDeclinedProcessingError": PROCESSING_ERROR,
    "pm_card_authenticationRequiredOnSetup": REQUIRES_AUTHENTICATION,
    "pm_card_createDispute": DISPUTED,
    "pm_card_refundFail": REFUND_FAILS,
}
