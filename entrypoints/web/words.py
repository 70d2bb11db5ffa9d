"""What the checkout says to a shopper, in plain words, for every state and refusal.

The checkout page hands these to its script, so every sentence a shopper reads is written here,
once, and tested. Decline codes choose the words but are never shown: a shopper reads why a card
was refused only where it helps them (funds, expiry, security code), as Stripe advises.
"""

from __future__ import annotations

from application.use_cases.show_checkout import CheckoutState

GENERIC_DECLINE = "Your card was declined. Try again, or use another card."

# By the gateway's code (``last_payment_error.code``) or decline code: what the shopper can do.
DECLINES: dict[str, str] = {
    "card_declined": GENERIC_DECLINE,
    "generic_decline": GENERIC_DECLINE,
    "insufficient_funds": (
        "Your card was declined: the funds on it are not enough. Use another card."
    ),
    "expired_card": "Your card has expired. Check the expiry date, or use another card.",
    "incorrect_cvc": "The security code (CVC) is not right. Check it and try again.",
    "incorrect_number": "The card number is not right. Check it and try again.",
    "invalid_expiry_month": "The expiry month is not right. Check it and try again.",
    "invalid_expiry_year": "The expiry year is not right. Check it and try again.",
    "processing_error": (
        "Something went wrong while processing your card. Nothing was charged; try again."
    ),
    "payment_intent_authentication_failure": (
        "Your bank could not confirm it was you, so nothing was charged. Try again, or use "
        "another card."
    ),
    "authentication_required": (
        "Your bank could not confirm it was you, so nothing was charged. Try again, or use "
        "another card."
    ),
}


def decline_words(reason: str | None) -> str:
    """Why the last attempt failed, in words the shopper can act on."""
    if reason is None:
        return GENERIC_DECLINE
    return DECLINES.get(reason, GENERIC_DECLINE)


# What a refusal of the storefront API means to the shopper, by the problem's ``code``.
PROBLEMS: dict[str, str] = {
    "order_already_paid": "This order is already paid. Nothing more is charged.",
    "payments_not_enabled": (
        "This store cannot take card payments at the moment. Nothing was charged; please try "
        "again later."
    ),
    "not_found": "We could not find this order any more. Nothing was charged.",
    "rate_limited": "Too many attempts in a short time. Wait a minute, then try again.",
    "service_unavailable": "The service is briefly unavailable. Nothing was charged; try again.",
    "payment_intent_unexpected_state": (
        "This payment changed meanwhile. Reload the page to see where it stands."
    ),
    "network": (
        "We could not reach the payment service. Check your connection; nothing was charged. "
        "Try again."
    ),
    "customer_session_invalid": (
        "Your sign-in for this checkout has expired. Nothing was charged. Go back to the store "
        "to pay with a saved card, or reload this page to pay with a new card."
    ),
    "customer_session_required": (
        "This payment is being completed on another page. Nothing more was charged; go back to "
        "the store to continue."
    ),
    "default": "Something went wrong and nothing was charged. Please try again.",
}

# The checkout form's own checks, before anything is sent.
FIELD_ERRORS: dict[str, str] = {
    "card_number": "Enter the card number: 12 to 19 digits, as printed on the card.",
    "card_expiry": "Enter the expiry date as month and year, for example 12/30.",
    "card_expired": "This expiry date is in the past. Check the date on the card.",
    "card_cvc": "Enter the security code: the 3 or 4 digits on the card.",
    "saved_card": "Choose one of your saved cards, or a new card.",
}

# What the shopper is told while a payment moves, in the page's live region.
PROGRESS: dict[str, str] = {
    "starting": "Preparing your payment…",
    "paying": "Processing your payment… Please keep this page open.",
    "authenticating": "Checking with your bank…",
    "challenge": "Your bank asks you to confirm this payment.",
    "redirecting": "Payment accepted. Taking you to your receipt…",
    "retry": "Nothing was charged. You can try again.",
}


def state_words(state: CheckoutState, failure_reason: str | None = None) -> tuple[str, str]:
    """A title and a sentence saying where the payment stands."""
    if state is CheckoutState.PAID:
        return "Payment received", "Thank you: this order is paid."
    if state is CheckoutState.FAILED:
        return "Payment failed", decline_words(failure_reason)
    if state is CheckoutState.REQUIRES_ACTION:
        return (
            "Waiting for your bank",
            "Your bank asked you to confirm the payment. Finish that step on the checkout page.",
        )
    if state is CheckoutState.PROCESSING:
        return (
            "Payment processing",
            "Your payment is being processed. This page updates by itself.",
        )
    return (
        "Waiting for the payment",
        "We have not received the result of your payment yet. This page updates by itself.",
    )


STILL_WAITING = (
    "We have not heard back yet. Your payment may still go through: reload this page later, or "
    "check your e-mail for a receipt before paying again."
)
