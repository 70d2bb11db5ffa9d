from __future__ import annotations

from dataclasses import replace
from typing import Any

import anyio
import pytest

from application.use_cases.change_payout_settings import PayoutChange
from application.use_cases.create_customer_session import SessionForOrder
from application.use_cases.create_payment_intent import IntentForOrder, PaymentIntentCreated
from application.use_cases.refund_payment import RefundOrder
from application.use_cases.set_fee_policy import NewFeePolicy
from application.use_cases.set_up_payments import PaymentSetup
from domain.errors import DomainError
from domain.money import Money
from domain.order import OrderPaymentStatus
from domain.payment import PaymentStatus
from domain.store import Store

from .system import DECLINED, REQUIRES_AUTHENTICATION, SHOPPER, SUCCEEDS, DatabaseDown, System

pytestmark = pytest.mark.anyio


def intent_for(store: Store, order_id: str, **changes: Any) -> IntentForOrder:
    return replace(IntentForOrder(store.id, order_id, 1999, SHOPPER), **changes)


async def test_a_destination_charge_is_created_for_the_order(system: System) -> None:
    store = await system.onboarded_store(percentage="2.9", fixed_amount=30)
    order = await system.order(store, "A-1")

    made = await system.use_cases.create_payment_intent(
        IntentForOrder(store.id, order.id, 1999, "Shopper@Example.lu", currency="eur")
    )

    assert made.gateway == "simulated"
    assert made.publishable_key is None
    assert made.breakdown.total == Money.of(1999, "EUR")
    assert made.breakdown.platform_fee == Money.of(88, "EUR")
    assert made.breakdown.store_amount == Money.of(1911, "EUR")
    assert made.intent.client_secret.startswith(f"{made.intent.id}_secret_")
    payment = made.payment
    assert payment.id == "pay_0001"
    assert payment.status is PaymentStatus.PENDING
    assert payment.payment_intent_id == made.intent.id
    assert payment.order_id == order.id
    assert payment.breakdown == made.breakdown
    intent = system.stripe.retrieve_object(made.intent.id)
    assert store.account is not None
    assert intent["amount"] == 1999
    assert intent["currency"] == "eur"
    assert intent["application_fee_amount"] == 88
    assert intent["transfer_data"] == {"destination": store.account.account_id}
    assert intent["receipt_email"] == SHOPPER
    assert intent["customer"] is None
    assert intent["setup_future_usage"] is None
    assert intent["metadata"] == {
        "storepay_store_id": store.id,
        "storepay_order_id": order.id,
        "storepay_order_reference": "A-1",
    }
    read = await system.use_cases.get_order(store.id, order.id)
    assert read.payment_id == payment.id
    assert read.payment_status is OrderPaymentStatus.PENDING
    assert read.payment_attempts == 1


async def test_the_stores_metadata_travels_with_the_intent(system: System, store: Store) -> None:
    order = await system.order(store, "A-1")

    made = await system.checkout(store, order, metadata={"cart": "c-42", "channel": "web"})

    metadata = system.stripe.retrieve_object(made.intent.id)["metadata"]
    assert metadata["cart"] == "c-42"
    assert metadata["channel"] == "web"


async def test_a_paid_intent_marks_the_order_paid(system: System, store: Store) -> None:
    order = await system.order(store, "A-1")
    made = await system.checkout(store, order)

    await system.pay(made)

    payment = await system.use_cases.get_payment(store.id, made.payment.id)
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.paid_at == system.clock.now()
    assert payment.charge_id is not None
    assert (await system.use_cases.get_order(store.id, order.id)).payment_status is (
        OrderPaymentStatus.PAID
    )


async def test_a_store_that_does_not_accept_payments_is_refused(system: System) -> None:
    store = (await system.open_store()).store
    order = await system.order(store, "A-1")
    before = system.stored()

    with pytest.raises(DomainError) as not_set_up:
        await system.use_cases.create_payment_intent(intent_for(store, order.id))
    await system.use_cases.set_up_payments(PaymentSetup(store.id))
    with pytest.raises(DomainError) as not_onboarded:
        await system.use_cases.create_payment_intent(intent_for(store, order.id))

    assert not_set_up.value.code == "payments_not_enabled"
    assert not_onboarded.value.code == "payments_not_enabled"
    after = system.stored()
    assert after["orders"] == before["orders"]
    assert after["payments"] == before["payments"] == {}


async def test_a_store_that_disconnected_is_refused(system: System, store: Store) -> None:
    order = await system.order(store, "A-1")
    assert store.account is not None
    await system.stripe.deauthorize(store.account.account_id)

    with pytest.raises(DomainError) as refused:
        await system.use_cases.create_payment_intent(intent_for(store, order.id))

    assert refused.value.code == "payments_not_enabled"


async def test_another_stores_order_is_not_found(
    system: System, store: Store, other_store: Store
) -> None:
    order = await system.order(other_store, "A-1")
    before = system.stored()

    for order_id in (order.id, "ord_nobody"):
        with pytest.raises(DomainError) as refused:
            await system.use_cases.create_payment_intent(intent_for(store, order_id))
        assert refused.value.code == "not_found"

    assert system.stored() == before
    assert system.events_of_type("payment_intent.created") == []


async def test_an_unknown_store_is_not_found(system: System, store: Store) -> None:
    order = await system.order(store, "A-1")

    with pytest.raises(DomainError) as refused:
        await system.use_cases.create_payment_intent(
            IntentForOrder("store_nobody", order.id, 1999, SHOPPER)
        )

    assert refused.value.code == "not_found"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"amount": 2000}, "amount_mismatch"),
        ({"amount": 1998}, "amount_mismatch"),
        ({"currency": "usd"}, "currency_mismatch"),
        ({"currency": "XYZ"}, "unknown_currency"),
        ({"customer_email": "someone.else@example.lu"}, "customer_mismatch"),
        ({"customer_email": "not an address"}, "invalid_email"),
    ],
)
async def test_details_that_do_not_match_the_order_are_refused(
    system: System, store: Store, changes: dict[str, object], code: str
) -> None:
    order = await system.order(store, "A-1")
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await system.use_cases.create_payment_intent(intent_for(store, order.id, **changes))

    assert refused.value.code == code
    assert system.stored() == before
    assert system.events_of_type("payment_intent.created") == []


async def test_the_shoppers_email_is_compared_whatever_its_case(
    system: System, store: Store
) -> None:
    order = await system.order(store, "A-1", email="Shopper@Example.LU")

    made = await system.use_cases.create_payment_intent(
        intent_for(store, order.id, customer_email="  SHOPPER@example.lu ")
    )

    assert made.payment.status is PaymentStatus.PENDING


@pytest.mark.parametrize("refund", [False, True])
async def test_a_paid_order_is_refused(system: System, store: Store, refund: bool) -> None:
    order = await system.order(store, "A-1")
    made = await system.checkout(store, order)
    await system.pay(made)
    if refund:
        await system.use_cases.refund_payment(RefundOrder(store.id, made.payment.id))
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await system.use_cases.create_payment_intent(intent_for(store, order.id))

    assert refused.value.code == "order_already_paid"
    assert system.stored() == before


async def test_an_open_intent_is_returned_again(system: System, store: Store) -> None:
    order = await system.order(store, "A-1")
    first = await system.checkout(store, order)
    before = system.stored()

    again = await system.checkout(store, order)

    assert again.intent.id == first.intent.id
    assert again.intent.client_secret == first.intent.client_secret
    assert again.payment.id == first.payment.id
    assert again.breakdown == first.breakdown
    assert system.stored() == before
    assert len(system.events_of_type("payment_intent.created")) == 1


async def test_after_a_declined_card_the_same_intent_is_returned(
    system: System, store: Store
) -> None:
    order = await system.order(store, "A-1")
    first = await system.checkout(store, order)
    await system.pay(first, DECLINED)

    again = await system.checkout(store, order)
    await system.pay(again, SUCCEEDS)

    assert again.intent.id == first.intent.id
    assert again.payment.id == first.payment.id
    assert again.payment.status is PaymentStatus.FAILED
    assert again.payment.failure_reason == "card_declined"
    payment = await system.use_cases.get_payment(store.id, first.payment.id)
    assert payment.status is PaymentStatus.SUCCEEDED


async def test_a_canceled_intent_gives_way_to_a_new_attempt(system: System, store: Store) -> None:
    order = await system.order(store, "A-1")
    first = await system.checkout(store, order)
    await system.gateway.cancel_payment_intent(first.intent.id)
    canceled = await system.use_cases.get_payment(store.id, first.payment.id)
    assert canceled.status is PaymentStatus.CANCELED
    assert (await system.use_cases.get_order(store.id, order.id)).payment_status is (
        OrderPaymentStatus.PENDING
    )

    second = await system.checkout(store, order)
    await system.pay(second)

    assert second.intent.id != first.intent.id
    assert second.payment.id != first.payment.id
    read = await system.use_cases.get_order(store.id, order.id)
    assert read.payment_attempts == 2
    assert read.payment_id == second.payment.id
    assert read.payment_status is OrderPaymentStatus.PAID
    assert system.stripe.retrieve_object(first.intent.id)["status"] == "canceled"
    assert (await system.use_cases.get_payment(store.id, first.payment.id)).status is (
        PaymentStatus.CANCELED
    )


async def test_concurrent_checkouts_of_one_order_share_one_intent(networked: System) -> None:
    store = await networked.onboarded_store()
    order = await networked.order(store, "A-1")
    made: list[PaymentIntentCreated] = []

    async def checkout() -> None:
        made.append(await networked.checkout(store, order))

    async with anyio.create_task_group() as group:
        for _ in range(3):
            group.start_soon(checkout)

    assert len(made) == 3
    assert {result.intent.id for result in made} == {made[0].intent.id}
    assert {result.payment.id for result in made} == {made[0].payment.id}
    assert len(networked.events_of_type("payment_intent.created")) == 1
    assert len(networked.memory.database.payments.rows) == 1
    read = await networked.use_cases.get_order(store.id, order.id)
    assert read.payment_attempts == 1


async def test_concurrent_checkouts_whose_recordings_overlap_share_one_intent(
    overlapping: System,
) -> None:
    store = await overlapping.onboarded_store()
    order = await overlapping.order(store, "A-1")
    made: list[PaymentIntentCreated] = []

    async def checkout() -> None:
        made.append(await overlapping.checkout(store, order))

    async with anyio.create_task_group() as group:
        for _ in range(3):
            group.start_soon(checkout)

    assert {result.intent.id for result in made} == {made[0].intent.id}
    assert len(made) == 3
    assert overlapping.stripe_ids.of("pi") == [made[0].intent.id]
    assert len(overlapping.memory.database.payments.rows) == 1


async def test_a_retry_after_a_failed_recording_gets_the_intent_made_first(
    held: System,
) -> None:
    store = await held.onboarded_store()
    order = await held.order(store, "A-1")
    held.uows.fail_next_commits(1)
    with pytest.raises(DatabaseDown):
        await held.checkout(store, order)
    assert held.memory.database.payments.rows == {}

    made = await held.checkout(store, order)

    created = held.events_of_type("payment_intent.created")
    assert len(created) == 1
    assert made.intent.id == created[0]["data"]["object"]["id"]
    assert (await held.use_cases.get_order(store.id, order.id)).payment_id == made.payment.id


@pytest.mark.parametrize(
    "metadata",
    [
        {f"key{n}": "v" for n in range(21)},
        {"storepay_order_id": "mine"},
        {"": "empty key"},
        {"k" * 41: "long key"},
        {"note": "v" * 501},
        {"count": 3},
        {7: "number key"},
    ],
)
async def test_metadata_beyond_the_limits_is_refused(
    system: System, store: Store, metadata: dict[object, object]
) -> None:
    order = await system.order(store, "A-1")
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await system.use_cases.create_payment_intent(intent_for(store, order.id, metadata=metadata))

    assert refused.value.code == "invalid_metadata"
    assert system.stored() == before
    assert system.events_of_type("payment_intent.created") == []


async def test_metadata_at_the_limits_is_accepted(system: System, store: Store) -> None:
    order = await system.order(store, "A-1")
    metadata = {f"k{n:02d}" + "x" * 37: "v" * 500 for n in range(20)}

    made = await system.checkout(store, order, metadata=metadata)

    stored = system.stripe.retrieve_object(made.intent.id)["metadata"]
    assert {key: stored[key] for key in metadata} == metadata


async def test_saving_the_card_creates_the_gateway_customer_once(
    system: System, store: Store
) -> None:
    first_order = await system.order(store, "A-1")
    second_order = await system.order(store, "A-2", email="SHOPPER@example.lu")

    first = await system.checkout(store, first_order, save_payment_method=True)
    second = await system.checkout(store, second_order, save_payment_method=True)

    customers = system.events_of_type("customer.created")
    assert len(customers) == 1
    customer_id = customers[0]["data"]["object"]["id"]
    for made in (first, second):
        intent = system.stripe.retrieve_object(made.intent.id)
        assert intent["customer"] == customer_id
        assert intent["setup_future_usage"] == "off_session"
    assert list(system.memory.database.customers.rows) == [(store.id, SHOPPER)]


async def test_without_saving_no_customer_is_created(system: System, store: Store) -> None:
    order = await system.order(store, "A-1")

    await system.checkout(store, order)

    assert system.events_of_type("customer.created") == []
    assert system.memory.database.customers.rows == {}


async def test_a_signed_in_shopper_s_customer_is_reused_even_without_saving(
    system: System, store: Store
) -> None:
    await system.checkout(store, await system.order(store, "A-1"), save_payment_method=True)

    made = await system.checkout(store, await system.order(store, "A-2"), signed_in=True)

    customer_id = system.events_of_type("customer.created")[0]["data"]["object"]["id"]
    assert system.stripe.retrieve_object(made.intent.id)["customer"] == customer_id
    assert made.intent.customer_id == customer_id


async def test_without_a_customer_session_the_shopper_s_customer_is_not_attached(
    system: System, store: Store
) -> None:
    await system.checkout(store, await system.order(store, "A-1"), save_payment_method=True)

    made = await system.checkout(store, await system.order(store, "A-2"))

    assert system.stripe.retrieve_object(made.intent.id)["customer"] is None
    assert made.intent.customer_id is None


async def test_each_store_has_its_own_customer_for_one_shopper(
    system: System, store: Store, other_store: Store
) -> None:
    await system.checkout(store, await system.order(store, "A-1"), save_payment_method=True)
    await system.checkout(
        other_store, await system.order(other_store, "B-1"), save_payment_method=True
    )

    assert len(system.events_of_type("customer.created")) == 2
    assert sorted(system.memory.database.customers.rows) == sorted(
        [(store.id, SHOPPER), (other_store.id, SHOPPER)]
    )


async def test_yen_and_dinar_orders_are_charged_in_their_minor_units(system: System) -> None:
    yen = await system.onboarded_store("Tokyo", currency="JPY")
    dinar = await system.onboarded_store("Kuwait", currency="KWD")
    await system.use_cases.set_fee_policy(NewFeePolicy(dinar.id, "2.5", fixed_amount=100))

    yen_made = await system.checkout(yen, await system.order(yen, "Y-1", 1000))
    dinar_made = await system.checkout(dinar, await system.order(dinar, "K-1", 1500))

    assert yen_made.breakdown.platform_fee == Money.of(25, "JPY")
    assert dinar_made.breakdown.platform_fee == Money.of(140, "KWD")
    yen_intent = system.stripe.retrieve_object(yen_made.intent.id)
    dinar_intent = system.stripe.retrieve_object(dinar_made.intent.id)
    assert (yen_intent["amount"], yen_intent["currency"]) == (1000, "jpy")
    assert (dinar_intent["amount"], dinar_intent["application_fee_amount"]) == (1500, 140)


async def test_payout_settings_do_not_affect_checkout(system: System, store: Store) -> None:
    await system.use_cases.change_payout_settings(PayoutChange(store.id, "manual"))
    order = await system.order(store, "A-1")

    made = await system.checkout(store, order)

    assert made.payment.status is PaymentStatus.PENDING


# -- customer sessions: who may have an intent that the shopper's saved cards can pay --------


async def test_an_intent_for_the_signed_in_shopper_is_canceled_for_a_caller_without_a_session(
    held: System,
) -> None:
    store = await held.onboarded_store("Kiosk")
    order = await held.order(store, "A-1")
    shoppers = await held.checkout(store, order, signed_in=True)

    other = await held.checkout(store, order)  # the cancellation's webhook is still on its way

    assert other.intent.id != shoppers.intent.id
    assert other.intent.customer_id is None
    replaced = await held.use_cases.get_payment(store.id, shoppers.payment.id)
    assert replaced.status is PaymentStatus.CANCELED
    latest = await held.use_cases.get_order(store.id, order.id)
    assert latest.payment_id == other.payment.id
    await held.release_all()
    assert (await held.use_cases.get_payment(store.id, shoppers.payment.id)).status is (
        PaymentStatus.CANCELED
    )


async def test_an_intent_without_the_customer_is_replaced_for_the_signed_in_shopper(
    system: System, store: Store
) -> None:
    order = await system.order(store, "A-1")
    first = await system.checkout(store, order)

    signed_in = await system.checkout(store, order, signed_in=True)

    assert signed_in.intent.id != first.intent.id
    assert signed_in.intent.customer_id is not None
    again = await system.checkout(store, order, signed_in=True)
    assert again.intent.id == signed_in.intent.id


async def test_an_intent_being_confirmed_for_the_shopper_is_not_handed_to_another_caller(
    system: System, store: Store
) -> None:
    order = await system.order(store, "A-1")
    shoppers = await system.checkout(store, order, signed_in=True)
    await system.pay(shoppers, REQUIRES_AUTHENTICATION)
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await system.checkout(store, order)

    assert refused.value.code == "customer_session_required"
    assert system.stored() == before


async def test_concurrent_requests_with_one_idempotency_key_issue_one_session(
    overlapping: System,
) -> None:
    store = await overlapping.onboarded_store("Kiosk")
    order = await overlapping.order(store, "A-1")
    issued: list[str] = []

    async def ask() -> None:
        made = await overlapping.use_cases.create_customer_session(
            SessionForOrder(store.id, order.id, idempotency_key="sign-in-1")
        )
        issued.append(made.token)

    async with anyio.create_task_group() as group:
        for _ in range(4):
            group.start_soon(ask)

    assert len(issued) == 4
    assert len(set(issued)) == 1
    assert len(overlapping.memory.database.customer_sessions.rows) == 1
