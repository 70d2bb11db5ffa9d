"""Saved cards: listing them (synced with the gateway), choosing the default, removing one."""

from __future__ import annotations

import anyio
import pytest

from application.gateway import GatewayError
from domain.errors import DomainError
from domain.store import Store

from .system import (
    MASTERCARD,
    OTHER_SHOPPER,
    SHOPPER,
    SUCCEEDS,
    System,
    build_system,
    later,
)

pytestmark = pytest.mark.anyio


async def save_card(
    system: System, store: Store, reference: str, card: str = SUCCEEDS, *, email: str = SHOPPER
) -> None:
    order = await system.order(store, reference, email=email)
    made = await system.checkout(store, order, save_payment_method=True)
    await system.pay(made, card)


def attached_ids(system: System) -> list[str]:
    return [
        event["data"]["object"]["id"] for event in system.events_of_type("payment_method.attached")
    ]


async def test_a_card_saved_at_checkout_is_listed(system: System, store: Store) -> None:
    await save_card(system, store, "A-1")

    [method] = await system.use_cases.list_payment_methods(store.id, "Shopper@Example.lu")

    assert method.id == attached_ids(system)[0]
    assert method.store_id == store.id
    assert method.customer_email == SHOPPER
    assert method.type == "card"
    assert (method.card_brand, method.card_last4) == ("visa", "4242")
    assert method.card_exp_month == 12
    assert method.card_exp_year == system.clock.now().year + 3
    assert method.is_default is False


async def test_cards_are_listed_newest_first(system: System, store: Store) -> None:
    await save_card(system, store, "A-1")
    later(system, minutes=1)
    await save_card(system, store, "A-2", MASTERCARD)

    methods = await system.use_cases.list_payment_methods(store.id, SHOPPER)

    assert [m.card_last4 for m in methods] == ["4444", "4242"]


async def test_a_card_not_saved_is_not_listed(system: System, store: Store) -> None:
    await system.paid_payment(store, "A-1")

    assert await system.use_cases.list_payment_methods(store.id, SHOPPER) == []


async def test_a_shopper_without_a_customer_has_no_cards(system: System, store: Store) -> None:
    await save_card(system, store, "A-1")

    assert await system.use_cases.list_payment_methods(store.id, OTHER_SHOPPER) == []


async def test_a_card_whose_webhook_was_lost_is_found_at_the_gateway(held: System) -> None:
    store = await held.onboarded_store()
    await save_card(held, store, "A-1")
    assert held.memory.database.payment_methods.rows == {}

    [method] = await held.use_cases.list_payment_methods(store.id, SHOPPER)
    await held.release_all()

    assert method.id == attached_ids(held)[0]
    assert list(held.memory.database.payment_methods.rows) == [method.id]
    assert held.stripe.failed_deliveries == []


async def test_a_card_detached_at_the_gateway_drops_off_the_list(held: System) -> None:
    store = await held.onboarded_store()
    await save_card(held, store, "A-1")
    await held.release_all()
    [method] = await held.use_cases.list_payment_methods(store.id, SHOPPER)
    await held.gateway.detach_payment_method(method.id)

    assert await held.use_cases.list_payment_methods(store.id, SHOPPER) == []
    assert held.memory.database.payment_methods.rows == {}
    await held.release_all()
    assert held.stripe.failed_deliveries == []


async def test_one_card_is_made_the_default(system: System, store: Store) -> None:
    await save_card(system, store, "A-1")
    later(system, minutes=1)
    await save_card(system, store, "A-2", MASTERCARD)
    visa, mastercard = attached_ids(system)
    await system.use_cases.set_default_payment_method(store.id, SHOPPER, visa)

    chosen = await system.use_cases.set_default_payment_method(
        store.id, "SHOPPER@example.lu", mastercard
    )

    assert chosen.id == mastercard
    methods = await system.use_cases.list_payment_methods(store.id, SHOPPER)
    assert [(m.id, m.is_default) for m in methods] == [(mastercard, True), (visa, False)]


async def test_another_shoppers_card_cannot_be_made_the_default(
    system: System, store: Store
) -> None:
    await save_card(system, store, "A-1")
    await save_card(system, store, "A-2", MASTERCARD, email=OTHER_SHOPPER)
    mine, theirs = attached_ids(system)
    before = system.stored()

    for email, method_id in ((SHOPPER, theirs), (SHOPPER, "pm_nobody"), (OTHER_SHOPPER, mine)):
        with pytest.raises(DomainError) as refused:
            await system.use_cases.set_default_payment_method(store.id, email, method_id)
        assert refused.value.code == "not_found"

    assert system.stored() == before


async def test_another_stores_shopper_card_cannot_be_made_the_default(
    system: System, store: Store, other_store: Store
) -> None:
    await save_card(system, store, "A-1")
    [mine] = attached_ids(system)

    with pytest.raises(DomainError) as refused:
        await system.use_cases.set_default_payment_method(other_store.id, SHOPPER, mine)

    assert refused.value.code == "not_found"


async def test_removing_a_card_detaches_it_at_the_gateway(system: System, store: Store) -> None:
    await save_card(system, store, "A-1")
    later(system, minutes=1)
    await save_card(system, store, "A-2", MASTERCARD)
    visa, mastercard = attached_ids(system)

    await system.use_cases.remove_payment_method(store.id, "Shopper@example.LU", visa)

    assert system.stripe.retrieve_object(visa)["customer"] is None
    assert len(system.events_of_type("payment_method.detached")) == 1
    methods = await system.use_cases.list_payment_methods(store.id, SHOPPER)
    assert [m.id for m in methods] == [mastercard]
    assert system.stripe.failed_deliveries == []


async def test_another_shoppers_card_cannot_be_removed(system: System, store: Store) -> None:
    await save_card(system, store, "A-1")
    await save_card(system, store, "A-2", MASTERCARD, email=OTHER_SHOPPER)
    mine, theirs = attached_ids(system)
    before = system.stored()

    for email, method_id in ((SHOPPER, theirs), (SHOPPER, "pm_nobody"), (OTHER_SHOPPER, mine)):
        with pytest.raises(DomainError) as refused:
            await system.use_cases.remove_payment_method(store.id, email, method_id)
        assert refused.value.code == "not_found"

    assert system.stored() == before
    assert system.stripe.retrieve_object(theirs)["customer"] is not None
    assert system.events_of_type("payment_method.detached") == []


async def test_another_stores_shopper_card_cannot_be_removed(
    system: System, store: Store, other_store: Store
) -> None:
    await save_card(system, store, "A-1")
    [mine] = attached_ids(system)

    with pytest.raises(DomainError) as refused:
        await system.use_cases.remove_payment_method(other_store.id, SHOPPER, mine)

    assert refused.value.code == "not_found"
    assert system.stripe.retrieve_object(mine)["customer"] is not None


async def test_a_card_already_detached_at_the_gateway_cannot_be_removed_twice(
    held: System,
) -> None:
    store = await held.onboarded_store()
    await save_card(held, store, "A-1")
    await held.release_all()
    [method_id] = attached_ids(held)
    await held.gateway.detach_payment_method(method_id)

    with pytest.raises(GatewayError):
        await held.use_cases.remove_payment_method(store.id, SHOPPER, method_id)
    await held.release_all()

    assert held.memory.database.payment_methods.rows == {}


@pytest.mark.parametrize("email", ["not-an-address", ""])
async def test_an_invalid_email_is_refused(system: System, store: Store, email: str) -> None:
    with pytest.raises(DomainError) as listing:
        await system.use_cases.list_payment_methods(store.id, email)
    with pytest.raises(DomainError) as choosing:
        await system.use_cases.set_default_payment_method(store.id, email, "pm_1")
    with pytest.raises(DomainError) as removing:
        await system.use_cases.remove_payment_method(store.id, email, "pm_1")

    assert [listing.value.code, choosing.value.code, removing.value.code] == ["invalid_email"] * 3


async def test_listing_for_an_unknown_store_is_not_found(system: System) -> None:
    with pytest.raises(DomainError) as refused:
        await system.use_cases.list_payment_methods("store_nobody", SHOPPER)

    assert refused.value.code == "not_found"


@pytest.mark.parametrize("webhook_first", [False, True])
async def test_listing_while_the_attached_webhook_arrives_lists_the_card_once(
    webhook_first: bool,
) -> None:
    system = build_system(delivery_mode="held", slow_database=True)
    store = await system.onboarded_store()
    await save_card(system, store, "A-1")
    listed: list[list[str]] = []

    async def list_cards() -> None:
        methods = await system.use_cases.list_payment_methods(store.id, SHOPPER)
        listed.append([method.id for method in methods])

    async def deliver_webhooks() -> None:
        await system.stripe.release()

    async with anyio.create_task_group() as group:
        first, second = (
            (deliver_webhooks, list_cards)
            if webhook_first
            else (
                list_cards,
                deliver_webhooks,
            )
        )
        group.start_soon(first)
        group.start_soon(second)
    await system.release_all()

    assert listed == [attached_ids(system)]
    assert list(system.memory.database.payment_methods.rows) == attached_ids(system)
