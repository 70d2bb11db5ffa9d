"""Every state and refusal the checkout can meet has words a shopper can act on."""

from __future__ import annotations

import pytest

from application.use_cases.show_checkout import CheckoutState
from entrypoints.web import words


@pytest.mark.parametrize("state", list(CheckoutState))
def test_every_state_has_a_title_and_a_sentence(state: CheckoutState) -> None:
    title, sentence = words.state_words(state)
    assert title
    assert sentence.endswith(".")
    assert "_" not in title + sentence


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        (None, "Your card was declined."),
        ("card_declined", "Your card was declined."),
        ("lost_card", "Your card was declined."),  # never why, when it is not the shopper's to fix
        ("fraudulent", "Your card was declined."),
        ("insufficient_funds", "not enough"),
        ("expired_card", "expired"),
        ("incorrect_cvc", "security code"),
        ("payment_intent_authentication_failure", "Your bank could not confirm"),
    ],
)
def test_a_failure_says_what_the_shopper_can_do(reason: str | None, says: str) -> None:
    title, sentence = words.state_words(CheckoutState.FAILED, reason)
    assert title == "Payment failed"
    assert says in sentence
    assert reason is None or reason not in sentence


def test_only_paid_and_failed_are_final() -> None:
    assert {state for state in CheckoutState if state.is_final} == {
        CheckoutState.PAID,
        CheckoutState.FAILED,
    }
