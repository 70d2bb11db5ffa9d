"""A shopper's view of an order's checkout: summary, fee breakdown, where its payment stands, and,
for the shopper signed in at the store (a customer session), the cards they saved with it."""

from __future__ import annotations

import pytest

from application.errors import NotFound
from application.gateway import GatewayUnavailable, SavedCard
from application.use_cases.show_checkout import CheckoutState
from domain.store import Store

from .system import DECLINED, INSUFFICIENT_FUNDS, SHOPPER, SUCCEEDS, System

pytestmark = pytest.mark.anyio


async def test_an_unpaid_order_shows_its_fee_breakdown(system: System, store: Store) -> None:
    order = await system.order(store, "A-1", 4990)
    session = await system.customer_session(store, order)
    checkout = await system.use_cases.show_checkout(store.id, order.id, customer_session=session)
    assert checkout.store.id == store.id
    assert checkout.order.reference == "A-1"
    assert (checkout.breakdown.platform_fee.format(), checkout.breakdown.store_amount.format()) == (
        "EUR 1.25",
        "EUR 48.65",
    )
    assert (checkout.state, checkout.payment, checkout.saved_cards) == (
        CheckoutState.PENDING,
        None,
        (),
    )
    assert checkout.failure_reason is None


async def test_the_state_follows_the_payment(system: System, store: Store) -> None:
    order = await system.order(store, "A-1")
    made = await system.checkout(store, order)
    checkout = await system.use_cases.show_checkout(store.id, order.id)
    assert checkout.state is CheckoutState.PENDING
    assert checkout.payment is not None

    await system.pay(made, INSUFFICIENT_FUNDS)
    checkout = await system.use_cases.show_checkout(store.id, order.id)
    assert (checkout.state, checkout.failure_reason) == (CheckoutState.FAILED, "insufficient_funds")
    assert checkout.state.is_final

    await system.pay(made, SUCCEEDS)
    checkout = await system.use_cases.show_checkout(store.id, order.id)
    assert (checkout.state, checkout.failure_reason) == (CheckoutState.PAID, None)


async def test_a_returning_shopper_s_saved_cards_are_listed(system: System, store: Store) -> None:
    first = await system.order(store, "A-1")
    await system.pay(await system.checkout(store, first, save_payment_method=True), SUCCEEDS)
    second = await system.order(store, "A-2")
    session = await system.customer_session(store, second)
    checkout = await system.use_cases.show_checkout(store.id, second.id, customer_session=session)
    [card] = checkout.saved_cards
    assert (card.card_brand, card.card_last4, card.customer_email) == ("visa", "4242", SHOPPER)
    assert checkout.signed_in
    without = await system.use_cases.show_checkout(store.id, second.id)
    assert (without.saved_cards, without.signed_in) == ((), False)
    for wrong in ("spcs_" + "x" * 43, "not a token", "spcs_" + "x" * 200):
        forged = await system.use_cases.show_checkout(store.id, second.id, customer_session=wrong)
        assert (forged.saved_cards, forged.signed_in) == ((), False)


async def test_the_checkout_works_when_the_gateway_cannot_list_cards(
    system: System, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await system.order(store, "A-1")
    await system.pay(await system.checkout(store, first, save_payment_method=True), DECLINED)
    await system.pay(await system.checkout(store, first, save_payment_method=True), SUCCEEDS)
    second = await system.order(store, "A-2")

    async def unreachable(customer_id: str) -> list[SavedCard]:
        raise GatewayUnavailable("the gateway is down")

    monkeypatch.setattr(system.gateway, "list_payment_methods", unreachable)
    session = await system.customer_session(store, second)
    checkout = await system.use_cases.show_checkout(store.id, second.id, customer_session=session)
    assert (checkout.state, checkout.saved_cards) == (CheckoutState.PENDING, ())


async def test_a_store_not_taking_payments_lists_no_cards(system: System) -> None:
    created = await system.open_store("Not yet")
    order = await system.order(created.store, "N-1")
    session = await system.customer_session(created.store, order)
    checkout = await system.use_cases.show_checkout(
        created.store.id, order.id, customer_session=session
    )
    assert checkout.saved_cards == ()
    assert not checkout.store.accepts_payments


async def test_an_unknown_or_foreign_order_is_not_found(
    system: System, store: Store, other_store: Store
) -> None:
    order = await system.order(other_store, "B-1")
    for store_id, order_id in ((store.id, order.id), (store.id, "ord_missing"), ("x", order.id)):
        with pytest.raises(NotFound):
            await system.use_cases.show_checkout(store_id, order_id)
