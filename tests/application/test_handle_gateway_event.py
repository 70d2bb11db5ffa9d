from __future__ import annotations

import json
from datetime import timedelta

import pytest

from application.errors import UnknownGatewayObject
from application.gateway import InvalidEvent
from application.ports import DeliveryOutcome, InboxEvent, InboxStatus
from application.use_cases.set_up_payments import PaymentSetup
from domain.account import AccountStatus
from domain.money import Money
from domain.payment import Payment, PaymentStatus
from domain.payout import PayoutReport
from domain.store import Store

from .system import DECLINED, DISPUTED, SHOPPER, SUCCEEDS, DatabaseDown, System, later

pytestmark = pytest.mark.anyio


async def held_payment(held: System, card: str = SUCCEEDS) -> Payment:
    """A payment whose shopper paid with ``card``; the gateway's reports of it are held."""
    store = await held.onboarded_store()
    made = await held.checkout(store, await held.order(store, "A-1"))
    await held.pay(made, card)
    return made.payment


def inbox(system: System, event_id: str) -> InboxEvent:
    return system.memory.database.inbox.rows[event_id].value


def without_inbox(state: dict[str, object]) -> dict[str, object]:
    return {name: value for name, value in state.items() if name not in ("inbox", "version")}


async def current(system: System, payment: Payment) -> Payment:
    return await system.use_cases.get_payment(payment.store_id, payment.id)


async def test_an_authentic_event_is_applied_and_kept_as_processed(held: System) -> None:
    payment = await held_payment(held)
    delivery = held.held_delivery("payment_intent.succeeded")
    later(held, seconds=30)

    outcome = await held.deliver(delivery)

    assert outcome is DeliveryOutcome.APPLIED
    assert (await current(held, payment)).status is PaymentStatus.SUCCEEDED
    record = inbox(held, delivery.event_id)
    assert record.type == "payment_intent.succeeded"
    assert record.payload == delivery.payload
    assert record.connect is False
    assert record.status is InboxStatus.PROCESSED
    assert (record.attempts, record.last_error) == (1, None)
    assert record.received_at == record.processed_at == held.clock.now()


async def test_a_duplicate_is_acknowledged_and_changes_nothing(held: System) -> None:
    payment = await held_payment(held)
    delivery = held.held_delivery("payment_intent.succeeded")
    await held.deliver(delivery)
    before = held.stored()
    later(held, minutes=5)

    outcome = await held.deliver(delivery)

    assert outcome is DeliveryOutcome.DUPLICATE
    assert held.stored() == before
    assert (await current(held, payment)).status is PaymentStatus.SUCCEEDED


@pytest.mark.parametrize("event_type", ["charge.succeeded", "charge.refunded", "invoice.paid"])
async def test_a_type_not_acted_on_is_kept_as_ignored(held: System, event_type: str) -> None:
    await held_payment(held)
    payload, signature = held.signed(
        held.event("evt_other", event_type, {"id": "ch_1", "object": "charge"})
    )
    before = held.stored()

    outcome = await held.use_cases.handle_gateway_event(payload, signature, connect=False)
    again = await held.use_cases.handle_gateway_event(payload, signature, connect=False)

    assert (outcome, again) == (DeliveryOutcome.IGNORED, DeliveryOutcome.DUPLICATE)
    record = inbox(held, "evt_other")
    assert (record.status, record.attempts, record.type) == (InboxStatus.IGNORED, 1, event_type)
    assert without_inbox(held.stored()) == without_inbox(before)


async def test_events_the_simulator_sends_but_storepay_ignores_are_stored(held: System) -> None:
    await held_payment(held)

    outcome = await held.deliver(held.held_delivery("charge.succeeded"))

    assert outcome is DeliveryOutcome.IGNORED


def tampered(payload: bytes) -> bytes:
    document = json.loads(payload)
    document["data"]["object"]["status"] = "canceled"
    return json.dumps(document).encode()


async def test_a_bad_signature_is_refused_and_nothing_is_stored(held: System) -> None:
    await held_payment(held)
    delivery = held.held_delivery("payment_intent.succeeded")
    good = held.signature(delivery.payload)
    stale = good
    later(held, seconds=301)
    before = held.stored()

    attempts = [
        (delivery.payload, ""),
        (delivery.payload, "t=1,v1=deadbeef"),
        (delivery.payload, held.signature(delivery.payload, connect=True)),
        (delivery.payload, stale),
        (tampered(delivery.payload), held.signature(delivery.payload)),
        (delivery.payload + b" ", held.signature(delivery.payload)),
    ]
    for payload, signature in attempts:
        with pytest.raises(InvalidEvent) as refused:
            await held.use_cases.handle_gateway_event(payload, signature, connect=False)
        assert refused.value.code == "invalid_event"

    assert held.stored() == before


async def test_a_connect_event_is_checked_with_the_connect_secret(held: System) -> None:
    store = (await held.open_store()).store
    setup = await held.use_cases.set_up_payments(PaymentSetup(store.id))
    await held.stripe.complete_onboarding(setup.account_id)
    delivery = held.held_delivery("account.updated", -1)
    assert delivery.connect is True
    before = held.stored()

    with pytest.raises(InvalidEvent):
        await held.use_cases.handle_gateway_event(
            delivery.payload, held.signature(delivery.payload), connect=True
        )
    assert held.stored() == before

    assert await held.deliver(delivery) is DeliveryOutcome.APPLIED
    assert (await held.use_cases.get_store(store.id)).account_status is AccountStatus.ACTIVE


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"object": "charge", "id": "ch_1"}', b'{"object": "event"}'],
)
async def test_a_body_that_is_not_an_event_is_refused(held: System, body: bytes) -> None:
    before = held.stored()

    with pytest.raises(InvalidEvent):
        await held.use_cases.handle_gateway_event(body, held.signature(body), connect=False)

    assert held.stored() == before


async def test_an_event_for_an_unknown_intent_fails_and_is_kept_for_retrying(
    held: System,
) -> None:
    await held_payment(held)
    document = json.loads(held.held_delivery("payment_intent.succeeded").payload)
    document["id"] = "evt_stranger"
    document["data"]["object"]["id"] = "pi_stranger"
    payload, signature = held.signed(document)
    before = held.stored()

    with pytest.raises(UnknownGatewayObject) as failed:
        await held.use_cases.handle_gateway_event(payload, signature, connect=False)
    with pytest.raises(UnknownGatewayObject):
        await held.use_cases.handle_gateway_event(payload, signature, connect=False)

    assert failed.value.code == "unknown_gateway_object"
    record = inbox(held, "evt_stranger")
    assert record.status is InboxStatus.FAILED
    assert record.attempts == 2
    assert record.last_error == "UnknownGatewayObject: no payment for intent pi_stranger (yet)"
    assert record.processed_at is None
    assert record.payload == payload
    assert without_inbox(held.stored()) == without_inbox(before)


async def test_an_event_that_failed_is_applied_once_its_payment_is_known(held: System) -> None:
    store = await held.onboarded_store()
    order = await held.order(store, "A-1")
    document = held.event(
        "evt_early",
        "payment_intent.succeeded",
        {
            "id": "pi_early",
            "object": "payment_intent",
            "status": "succeeded",
            "latest_charge": "ch_early",
            "last_payment_error": None,
        },
    )
    payload, signature = held.signed(document)
    with pytest.raises(UnknownGatewayObject):
        await held.use_cases.handle_gateway_event(payload, signature, connect=False)
    payment = Payment.start(
        payment_id="pay_early",
        store_id=store.id,
        order_id=order.id,
        breakdown=store.fee_policy.breakdown(order.amount),
        created_at=held.clock.now(),
    )
    payment.attach_intent("pi_early")
    async with held.memory() as uow:
        await uow.payments.add(payment)
        await uow.commit()

    outcome = await held.use_cases.handle_gateway_event(
        payload, held.signature(payload), connect=False
    )

    assert outcome is DeliveryOutcome.APPLIED
    paid = await current(held, payment)
    assert (paid.status, paid.charge_id) == (PaymentStatus.SUCCEEDED, "ch_early")
    record = inbox(held, "evt_early")
    assert (record.status, record.attempts, record.last_error) == (
        InboxStatus.PROCESSED,
        2,
        None,
    )


async def test_a_database_failure_rolls_back_and_the_retry_applies_the_event(
    held: System,
) -> None:
    payment = await held_payment(held)
    delivery = held.held_delivery("payment_intent.succeeded")
    before = held.stored()
    held.uows.fail_next_commits(1)

    with pytest.raises(DatabaseDown):
        await held.deliver(delivery)

    assert without_inbox(held.stored()) == without_inbox(before)
    record = inbox(held, delivery.event_id)
    assert (record.status, record.attempts) == (InboxStatus.FAILED, 1)
    assert record.last_error == "DatabaseDown: could not reach the database"
    assert (await current(held, payment)).status is PaymentStatus.PENDING

    assert await held.deliver(delivery) is DeliveryOutcome.APPLIED
    record = inbox(held, delivery.event_id)
    assert (record.status, record.attempts, record.last_error) == (
        InboxStatus.PROCESSED,
        2,
        None,
    )
    assert (await current(held, payment)).status is PaymentStatus.SUCCEEDED
    [balance] = await held.use_cases.get_balance(payment.store_id)
    assert balance.gross_volume == Money.of(1999, "EUR")


async def test_when_even_the_failure_cannot_be_recorded_the_gateway_sends_again(
    held: System,
) -> None:
    payment = await held_payment(held)
    delivery = held.held_delivery("payment_intent.succeeded")
    before = held.stored()
    held.uows.fail_next_commits(2)

    with pytest.raises(DatabaseDown):
        await held.deliver(delivery)

    assert held.stored() == before
    assert await held.deliver(delivery) is DeliveryOutcome.APPLIED
    assert inbox(held, delivery.event_id).attempts == 1
    assert (await current(held, payment)).status is PaymentStatus.SUCCEEDED


async def test_a_late_failure_after_a_success_is_ignored(held: System) -> None:
    store = await held.onboarded_store()
    made = await held.checkout(store, await held.order(store, "A-1"))
    await held.pay(made, DECLINED)
    later(held, seconds=10)
    await held.pay(made)
    failed = held.held_delivery("payment_intent.payment_failed")
    succeeded = held.held_delivery("payment_intent.succeeded")

    await held.deliver(succeeded)
    await held.deliver(failed)

    payment = await current(held, made.payment)
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.failure_reason is None
    order = await held.use_cases.get_order(store.id, made.payment.order_id)
    assert order.payment_status.value == "paid"


async def test_account_updates_bring_the_store_to_accept_payments(held: System) -> None:
    store = (await held.open_store()).store
    setup = await held.use_cases.set_up_payments(PaymentSetup(store.id))
    await held.stripe.complete_onboarding(setup.account_id)

    assert await held.deliver(held.held_delivery("account.updated", -1)) is DeliveryOutcome.APPLIED

    updated = await held.use_cases.get_store(store.id)
    assert updated.account_status is AccountStatus.ACTIVE
    assert updated.accepts_payments


async def test_an_older_account_update_does_not_undo_a_newer_one(held: System) -> None:
    store = (await held.open_store()).store
    setup = await held.use_cases.set_up_payments(PaymentSetup(store.id))
    older = held.event(
        "evt_older",
        "account.updated",
        {
            "id": setup.account_id,
            "object": "account",
            "charges_enabled": False,
            "payouts_enabled": False,
            "details_submitted": False,
        },
        account=setup.account_id,
    )
    later(held, minutes=1)
    await held.stripe.complete_onboarding(setup.account_id)
    await held.release_all()

    payload, signature = held.signed(older, connect=True)
    outcome = await held.use_cases.handle_gateway_event(payload, signature, connect=True)

    assert outcome is DeliveryOutcome.APPLIED
    assert (await held.use_cases.get_store(store.id)).account_status is AccountStatus.ACTIVE


async def test_a_deauthorized_store_stops_accepting_payments(system: System, store: Store) -> None:
    assert store.account is not None

    await system.stripe.deauthorize(store.account.account_id)

    updated = await system.use_cases.get_store(store.id)
    assert updated.account_status is AccountStatus.INACTIVE
    assert not updated.accepts_payments
    [event] = system.events_of_type("account.application.deauthorized")
    assert inbox(system, event["id"]).status is InboxStatus.PROCESSED


async def test_an_event_for_an_unknown_account_fails(held: System) -> None:
    document = held.event(
        "evt_nobody",
        "account.updated",
        {
            "id": "acct_nobody",
            "object": "account",
            "charges_enabled": True,
            "payouts_enabled": True,
            "details_submitted": True,
        },
        account="acct_nobody",
    )
    payload, signature = held.signed(document, connect=True)

    with pytest.raises(UnknownGatewayObject):
        await held.use_cases.handle_gateway_event(payload, signature, connect=True)

    assert inbox(held, "evt_nobody").status is InboxStatus.FAILED


@pytest.mark.parametrize("failure_code", [None, "account_closed"])
async def test_payouts_are_acknowledged(
    system: System, store: Store, failure_code: str | None
) -> None:
    assert store.account is not None
    before = system.stored()

    await system.stripe.pay_out(store.account.account_id, 5000, "eur", failure_code=failure_code)

    created = system.events_of_type("payout.created")[0]
    finished = system.events_of_type("payout.paid" if failure_code is None else "payout.failed")[0]
    assert inbox(system, created["id"]).status is InboxStatus.IGNORED
    assert inbox(system, finished["id"]).status is InboxStatus.PROCESSED
    assert system.stripe.failed_deliveries == []
    reported = await system.use_cases.get_store(store.id)
    assert reported.last_payout == PayoutReport(
        payout_id=finished["data"]["object"]["id"],
        amount=Money.of(5000, "EUR"),
        status="paid" if failure_code is None else "failed",
        reported_at=system.clock.now(),
        failure_code=failure_code,
    )
    after = without_inbox(system.stored())
    unchanged = without_inbox(before)
    assert {name: after[name] for name in after if name != "stores"} == {
        name: unchanged[name] for name in unchanged if name != "stores"
    }


async def test_a_payout_of_an_unknown_account_fails(held: System) -> None:
    document = held.event(
        "evt_payout",
        "payout.paid",
        {"id": "po_1", "object": "payout", "amount": 5000, "currency": "eur", "status": "paid"},
        account="acct_nobody",
    )
    payload, signature = held.signed(document, connect=True)

    with pytest.raises(UnknownGatewayObject):
        await held.use_cases.handle_gateway_event(payload, signature, connect=True)

    assert inbox(held, "evt_payout").status is InboxStatus.FAILED


async def test_an_attached_card_of_a_known_customer_is_mirrored(held: System) -> None:
    store = await held.onboarded_store()
    made = await held.checkout(store, await held.order(store, "A-1"), save_payment_method=True)
    await held.pay(made)
    delivery = held.held_delivery("payment_method.attached")

    assert await held.deliver(delivery) is DeliveryOutcome.APPLIED

    [method] = held.memory.database.payment_methods.rows.values()
    assert method.value.customer_email == SHOPPER
    assert method.value.store_id == store.id
    assert method.value.card_last4 == "4242"


async def test_an_attached_card_of_a_customer_storepay_did_not_make_is_left_alone(
    held: System,
) -> None:
    document = held.event(
        "evt_pm",
        "payment_method.attached",
        {
            "id": "pm_foreign",
            "object": "payment_method",
            "type": "card",
            "customer": "cus_foreign",
            "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030},
        },
    )
    payload, signature = held.signed(document)

    outcome = await held.use_cases.handle_gateway_event(payload, signature, connect=False)

    assert outcome is DeliveryOutcome.APPLIED
    assert held.memory.database.payment_methods.rows == {}


async def test_a_detached_card_is_forgotten(held: System) -> None:
    store = await held.onboarded_store()
    made = await held.checkout(store, await held.order(store, "A-1"), save_payment_method=True)
    await held.pay(made)
    await held.release_all()
    [method_id] = list(held.memory.database.payment_methods.rows)
    await held.gateway.detach_payment_method(method_id)

    assert await held.deliver(held.held_delivery("payment_method.detached")) is (
        DeliveryOutcome.APPLIED
    )

    assert held.memory.database.payment_methods.rows == {}


async def test_a_stale_signature_is_refused_even_for_a_known_event(held: System) -> None:
    await held_payment(held)
    delivery = held.held_delivery("payment_intent.succeeded")
    await held.deliver(delivery)
    old = held.signature(delivery.payload)
    held.clock.advance(timedelta(minutes=6))

    with pytest.raises(InvalidEvent):
        await held.use_cases.handle_gateway_event(delivery.payload, old, connect=False)


async def test_a_dispute_that_names_its_charge_and_no_intent_is_applied_to_the_charge_s_payment(
    held: System,
) -> None:
    payment = await held_payment(held, DISPUTED)
    for event_type in ("charge.succeeded", "payment_intent.succeeded"):
        await held.deliver(held.held_delivery(event_type))
    document = json.loads(held.held_delivery("charge.dispute.created").payload)
    document["data"]["object"]["payment_intent"] = None  # as Stripe's older disputes do
    payload, signature = held.signed(document)

    outcome = await held.use_cases.handle_gateway_event(payload, signature, connect=False)

    assert outcome is DeliveryOutcome.APPLIED
    disputed = await current(held, payment)
    assert disputed.status is PaymentStatus.DISPUTED
    assert [d.id for d in disputed.disputes] == [document["data"]["object"]["id"]]


async def test_a_refund_of_an_unknown_charge_fails_and_is_kept_for_retrying(held: System) -> None:
    await held_payment(held)
    document = held.event(
        "evt_refund_elsewhere",
        "refund.created",
        {
            "id": "re_elsewhere",
            "object": "refund",
            "amount": 100,
            "currency": "eur",
            "status": "succeeded",
            "charge": "ch_stranger",
            "payment_intent": None,
        },
    )
    payload, signature = held.signed(document)

    with pytest.raises(UnknownGatewayObject):
        await held.use_cases.handle_gateway_event(payload, signature, connect=False)

    record = inbox(held, "evt_refund_elsewhere")
    assert record.status is InboxStatus.FAILED
    assert record.last_error == "UnknownGatewayObject: no payment for charge ch_stranger (yet)"
