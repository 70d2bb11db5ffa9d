from __future__ import annotations

import json

import pytest

from application.ports import InboxStatus
from application.settings import ServiceSettings
from application.use_cases.reconcile import MAX_EVENT_ATTEMPTS, ReconcileReport
from application.use_cases.refund_payment import RefundOrder
from application.use_cases.set_up_payments import PaymentSetup
from domain.fees import Percentage
from domain.money import Money
from domain.order import OrderPaymentStatus
from domain.payment import Payment, PaymentStatus
from domain.refund import RefundStatus
from domain.store import Store

from .system import (
    DECLINED,
    PUBLIC_URL,
    REQUIRES_AUTHENTICATION,
    DatabaseDown,
    System,
    build_system,
    later,
)

pytestmark = pytest.mark.anyio


def counts(report: ReconcileReport) -> tuple[int, ...]:
    return (
        report.payments_checked,
        report.payments_changed,
        report.refunds_checked,
        report.events_retried,
        report.events_recovered,
        report.failures,
    )


async def current(system: System, payment: Payment) -> Payment:
    return await system.use_cases.get_payment(payment.store_id, payment.id)


async def test_nothing_to_do_reports_nothing(system: System, store: Store) -> None:
    await system.paid_payment(store, "A-1")
    later(system, hours=1)

    assert counts(await system.use_cases.reconcile()) == (0, 0, 0, 0, 0, 0)


async def test_a_payment_whose_webhook_was_lost_is_synced_after_the_stuck_age(
    held: System,
) -> None:
    store = await held.onboarded_store()
    made = await held.checkout(store, await held.order(store, "A-1"))
    await held.pay(made)

    later(held, minutes=14, seconds=59)
    too_early = await held.use_cases.reconcile()
    later(held, seconds=2)
    report = await held.use_cases.reconcile()

    assert counts(too_early) == (0, 0, 0, 0, 0, 0)
    assert counts(report) == (1, 1, 0, 0, 0, 0)
    payment = await current(held, made.payment)
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.charge_id is not None
    order = await held.use_cases.get_order(store.id, made.payment.order_id)
    assert order.payment_status is OrderPaymentStatus.PAID
    [balance] = await held.use_cases.get_balance(store.id)
    assert balance.gross_volume == Money.of(1999, "EUR")


async def test_the_late_webhook_changes_nothing_after_healing(held: System) -> None:
    store = await held.onboarded_store()
    made = await held.checkout(store, await held.order(store, "A-1"))
    await held.pay(made)
    later(held, minutes=20)
    await held.use_cases.reconcile()
    healed = held.stored()["ledger"]

    await held.stripe.release(duplicate=True)

    assert held.stored()["ledger"] == healed
    assert (await current(held, made.payment)).status is PaymentStatus.SUCCEEDED
    assert held.stripe.failed_deliveries == []


async def test_a_payment_still_waiting_for_the_shopper_is_checked_and_left(
    system: System, store: Store
) -> None:
    made = await system.checkout(store, await system.order(store, "A-1"))
    later(system, minutes=30)

    report = await system.use_cases.reconcile()

    assert counts(report) == (1, 0, 0, 0, 0, 0)
    assert (await current(system, made.payment)).status is PaymentStatus.PENDING


async def test_a_lost_decline_and_a_lost_three_d_secure_step_are_healed(held: System) -> None:
    store = await held.onboarded_store()
    declined = await held.checkout(store, await held.order(store, "A-1"))
    await held.pay(declined, DECLINED)
    authenticating = await held.checkout(store, await held.order(store, "A-2"))
    await held.pay(authenticating, REQUIRES_AUTHENTICATION)
    later(held, minutes=16)

    report = await held.use_cases.reconcile()

    assert counts(report) == (2, 2, 0, 0, 0, 0)
    failed = await current(held, declined.payment)
    assert (failed.status, failed.failure_reason) == (PaymentStatus.FAILED, "card_declined")
    assert (await current(held, authenticating.payment)).status is PaymentStatus.REQUIRES_ACTION

    await held.stripe.authenticate(
        authenticating.intent.id, authenticating.intent.client_secret, True
    )
    later(held, minutes=16)
    second = await held.use_cases.reconcile()

    assert (await current(held, authenticating.payment)).status is PaymentStatus.SUCCEEDED
    assert (second.payments_checked, second.payments_changed) == (2, 1)


async def test_a_canceled_intent_is_synced(held: System) -> None:
    store = await held.onboarded_store()
    made = await held.checkout(store, await held.order(store, "A-1"))
    await held.gateway.cancel_payment_intent(made.intent.id)
    later(held, minutes=16)

    report = await held.use_cases.reconcile()

    assert counts(report) == (1, 1, 0, 0, 0, 0)
    assert (await current(held, made.payment)).status is PaymentStatus.CANCELED
    assert counts(await held.use_cases.reconcile()) == (0, 0, 0, 0, 0, 0)


async def test_a_failed_event_is_retried_and_recovers(held: System) -> None:
    store = await held.onboarded_store()
    made = await held.checkout(store, await held.order(store, "A-1"))
    await held.pay(made)
    delivery = held.held_delivery("payment_intent.succeeded")
    held.uows.fail_next_commits(1)
    with pytest.raises(DatabaseDown):
        await held.deliver(delivery)

    report = await held.use_cases.reconcile()

    assert (report.events_retried, report.events_recovered, report.failures) == (1, 1, 0)
    record = held.memory.database.inbox.rows[delivery.event_id].value
    assert (record.status, record.attempts, record.last_error) == (
        InboxStatus.PROCESSED,
        2,
        None,
    )
    assert (await current(held, made.payment)).status is PaymentStatus.SUCCEEDED
    assert counts(await held.use_cases.reconcile())[3:] == (0, 0, 0)


async def test_an_event_that_keeps_failing_is_retried_until_the_cap(held: System) -> None:
    document = held.event(
        "evt_stranger",
        "payment_intent.succeeded",
        {"id": "pi_stranger", "object": "payment_intent", "status": "succeeded"},
    )
    payload, signature = held.signed(document)
    with pytest.raises(Exception, match="pi_stranger"):
        await held.use_cases.handle_gateway_event(payload, signature, connect=False)

    reports = [await held.use_cases.reconcile() for _ in range(MAX_EVENT_ATTEMPTS)]

    retried = [report.events_retried for report in reports]
    assert retried == [1] * (MAX_EVENT_ATTEMPTS - 1) + [0]
    assert all(report.events_recovered == 0 for report in reports)
    assert [report.failures for report in reports] == retried
    record = held.memory.database.inbox.rows["evt_stranger"].value
    assert (record.status, record.attempts) == (InboxStatus.FAILED, MAX_EVENT_ATTEMPTS)
    assert record.last_error is not None
    assert "pi_stranger" in record.last_error


async def test_a_connect_event_is_retried_as_a_connect_event(held: System) -> None:
    store = (await held.open_store()).store
    setup = await held.use_cases.set_up_payments(PaymentSetup(store.id))
    await held.stripe.complete_onboarding(setup.account_id)
    delivery = held.held_delivery("account.updated", -1)
    held.uows.fail_next_commits(1)
    with pytest.raises(DatabaseDown):
        await held.deliver(delivery)

    report = await held.use_cases.reconcile()

    assert (report.events_retried, report.events_recovered) == (1, 1)
    assert held.memory.database.inbox.rows[delivery.event_id].value.connect is True
    assert (await held.use_cases.get_store(store.id)).accepts_payments


async def test_one_failure_does_not_hold_up_the_rest(held: System) -> None:
    store = await held.onboarded_store()
    stranger = held.event(
        "evt_stranger",
        "payment_intent.succeeded",
        {"id": "pi_stranger", "object": "payment_intent", "status": "succeeded"},
    )
    payload, signature = held.signed(stranger)
    with pytest.raises(Exception, match="pi_stranger"):
        await held.use_cases.handle_gateway_event(payload, signature, connect=False)
    made = await held.checkout(store, await held.order(store, "A-1"))
    await held.pay(made)
    delivery = held.held_delivery("payment_intent.succeeded")
    held.uows.fail_next_commits(1)
    with pytest.raises(DatabaseDown):
        await held.deliver(delivery)
    later(held, seconds=1)

    report = await held.use_cases.reconcile()

    assert (report.events_retried, report.events_recovered, report.failures) == (2, 1, 1)
    assert (await current(held, made.payment)).status is PaymentStatus.SUCCEEDED


async def test_a_payment_that_cannot_be_synced_is_counted_as_a_failure(
    held: System,
) -> None:
    store = await held.onboarded_store()
    first = await held.checkout(store, await held.order(store, "A-1"))
    second = await held.checkout(store, await held.order(store, "A-2"))
    await held.pay(first)
    await held.pay(second)
    later(held, minutes=16)
    held.uows.fail_next_commits(1)

    report = await held.use_cases.reconcile()

    assert (report.payments_checked, report.payments_changed, report.failures) == (2, 1, 1)
    statuses = {(await current(held, made.payment)).status for made in (first, second)}
    assert statuses == {PaymentStatus.PENDING, PaymentStatus.SUCCEEDED}
    assert counts(await held.use_cases.reconcile())[:2] == (1, 1)


async def test_retried_payloads_are_the_ones_received(held: System) -> None:
    store = await held.onboarded_store()
    made = await held.checkout(store, await held.order(store, "A-1"))
    await held.pay(made)
    delivery = held.held_delivery("payment_intent.succeeded")
    held.uows.fail_next_commits(1)
    with pytest.raises(DatabaseDown):
        await held.deliver(delivery)
    record = held.memory.database.inbox.rows[delivery.event_id].value

    assert json.loads(record.payload) == json.loads(delivery.payload)


async def test_a_refund_whose_failure_report_was_lost_is_settled(held: System) -> None:
    store = await held.onboarded_store()
    paid = await held.paid_payment(store, "A-1", 1999)
    await held.release_all()
    held.stripe.fail_next_refund()
    made = await held.use_cases.refund_payment(RefundOrder(store.id, paid.id, amount=1000))
    assert made.refund.status is RefundStatus.PENDING
    await held.stripe.settle_refunds()
    later(held, minutes=14)
    too_early = await held.use_cases.reconcile()
    later(held, minutes=2)

    report = await held.use_cases.reconcile()

    assert too_early.refunds_checked == 0
    assert (report.refunds_checked, report.failures) == (1, 0)
    payment = await current(held, paid)
    assert [(r.id, r.status, r.failure_reason) for r in payment.refunds] == [
        (made.refund.id, RefundStatus.FAILED, "declined")
    ]
    assert payment.refundable_amount == Money.of(1999, "EUR")
    assert (await held.use_cases.reconcile()).refunds_checked == 0
    await held.release_all()
    assert (await current(held, paid)).refunds[0].status is RefundStatus.FAILED
    assert held.stripe.failed_deliveries == []


async def test_a_refund_still_pending_at_the_gateway_stays_pending(held: System) -> None:
    store = await held.onboarded_store()
    paid = await held.paid_payment(store, "A-1", 1999)
    await held.release_all()
    held.stripe.fail_next_refund()
    await held.use_cases.refund_payment(RefundOrder(store.id, paid.id, amount=1000))
    later(held, minutes=16)

    report = await held.use_cases.reconcile()

    assert (report.refunds_checked, report.failures) == (1, 0)
    payment = await current(held, paid)
    assert [r.status for r in payment.refunds] == [RefundStatus.PENDING]
    assert payment.refundable_amount == Money.of(999, "EUR")


async def test_abandoned_checkouts_do_not_keep_a_stuck_payment_from_healing() -> None:
    system = build_system(
        delivery_mode="held",
        settings=ServiceSettings(PUBLIC_URL, Percentage.parse("2.5"), reconcile_batch_size=2),
    )
    store = await system.onboarded_store()
    for reference in ("A-1", "A-2"):
        await system.checkout(store, await system.order(store, reference))
    later(system, minutes=1)
    made = await system.checkout(store, await system.order(store, "A-3"))
    await system.pay(made)
    later(system, minutes=20)

    for _ in range(3):
        await system.use_cases.reconcile()

    assert (await current(system, made.payment)).status is PaymentStatus.SUCCEEDED
