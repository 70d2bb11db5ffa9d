from __future__ import annotations

import anyio
import pytest

from application.gateway import GatewayError, GatewayUnavailable, RefundRequest
from application.use_cases.refund_payment import RefundMade, RefundOrder
from domain.errors import DomainError
from domain.money import Money
from domain.order import OrderPaymentStatus
from domain.payment import Payment, PaymentStatus
from domain.refund import RefundReason, RefundStatus
from domain.store import Store

from .system import DECLINED, DISPUTED, REFUND_FAILS, System, later

pytestmark = pytest.mark.anyio


def eur(minor_units: int) -> Money:
    return Money.of(minor_units, "EUR")


def charge_of(system: System, payment: Payment) -> dict[str, object]:
    assert payment.charge_id is not None
    return system.stripe.retrieve_object(payment.charge_id)


async def refund(
    system: System,
    payment: Payment,
    *,
    amount: int | None = None,
    reason: str | None = None,
    idempotency_key: str | None = None,
) -> RefundMade:
    return await system.use_cases.refund_payment(
        RefundOrder(payment.store_id, payment.id, amount, reason, idempotency_key)
    )


async def test_by_default_everything_is_refunded(system: System, store: Store) -> None:
    payment = await system.paid_payment(store, "A-1", 1999)

    made = await refund(system, payment, reason="requested_by_customer")

    assert made.refund.id == "rf_0001"
    assert made.refund.amount == eur(1999)
    assert made.refund.platform_fee_refunded == eur(50)
    assert made.refund.store_amount_refunded == eur(1949)
    assert made.refund.status is RefundStatus.SUCCEEDED
    assert made.refund.reason is RefundReason.REQUESTED_BY_CUSTOMER
    assert made.refund.gateway_refund_id is not None
    assert made.payment.status is PaymentStatus.REFUNDED
    assert made.payment.amount_refunded == eur(1999)
    read = await system.use_cases.get_payment(store.id, payment.id)
    assert read.status is PaymentStatus.REFUNDED
    assert [r.id for r in read.refunds] == ["rf_0001"]
    order = await system.use_cases.get_order(store.id, payment.order_id)
    assert order.payment_status is OrderPaymentStatus.REFUNDED
    at_gateway = system.stripe.retrieve_object(made.refund.gateway_refund_id)
    assert at_gateway["amount"] == 1999
    assert at_gateway["reason"] == "requested_by_customer"
    assert at_gateway["metadata"] == {
        "storepay_refund_id": "rf_0001",
        "storepay_payment_id": payment.id,
    }
    assert charge_of(system, payment)["amount_refunded"] == 1999


async def test_a_partial_refund_gives_back_the_fee_in_proportion(
    system: System, store: Store
) -> None:
    payment = await system.paid_payment(store, "A-1", 1999)

    made = await refund(system, payment, amount=500)

    assert made.refund.amount == eur(500)
    assert made.refund.platform_fee_refunded == eur(13)
    assert made.refund.store_amount_refunded == eur(487)
    assert made.payment.status is PaymentStatus.PARTIALLY_REFUNDED
    assert made.payment.refundable_amount == eur(1499)
    order = await system.use_cases.get_order(store.id, payment.order_id)
    assert order.payment_status is OrderPaymentStatus.PARTIALLY_REFUNDED
    assert charge_of(system, payment)["amount_refunded"] == 500


async def test_partial_refunds_then_the_rest_give_back_exactly_the_fee(
    system: System, store: Store
) -> None:
    payment = await system.paid_payment(store, "A-1", 1999)

    shares = [
        (await refund(system, payment, amount=amount)).refund.platform_fee_refunded
        for amount in (333, 333, 333)
    ]
    rest = await refund(system, payment)

    assert rest.refund.amount == eur(1000)
    assert (
        sum(share.minor_units for share in shares) + (rest.refund.platform_fee_refunded.minor_units)
        == 50
    )
    assert rest.payment.status is PaymentStatus.REFUNDED
    [balance] = await system.use_cases.get_balance(store.id)
    assert (balance.refunds, balance.fee_refunds, balance.net) == (eur(1999), eur(50), eur(0))


@pytest.mark.parametrize("amount", [2000, 1500])
async def test_more_than_is_left_is_refused_and_nothing_changes(
    system: System, store: Store, amount: int
) -> None:
    payment = await system.paid_payment(store, "A-1", 1999)
    await refund(system, payment, amount=1000)
    before = system.stored()
    events = len(system.stripe.sent_events)

    with pytest.raises(DomainError) as refused:
        await refund(system, payment, amount=amount)

    assert refused.value.code == "refund_exceeds_remaining"
    assert system.stored() == before
    assert len(system.stripe.sent_events) == events


async def test_a_fully_refunded_payment_has_nothing_left(system: System, store: Store) -> None:
    payment = await system.paid_payment(store, "A-1", 1999)
    await refund(system, payment)
    before = system.stored()

    for amount in (None, 1):
        with pytest.raises(DomainError) as refused:
            await refund(system, payment, amount=amount)
        assert refused.value.code == "payment_not_refundable"

    assert system.stored() == before


@pytest.mark.parametrize("card", [None, DECLINED])
async def test_an_unpaid_payment_cannot_be_refunded(
    system: System, store: Store, card: str | None
) -> None:
    made = await system.checkout(store, await system.order(store, "A-1"))
    if card is not None:
        await system.pay(made, card)
    payment = await system.use_cases.get_payment(store.id, made.payment.id)
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await refund(system, payment)

    assert refused.value.code == "payment_not_refundable"
    assert system.stored() == before


async def test_a_disputed_payment_cannot_be_refunded(system: System, store: Store) -> None:
    payment = await system.paid_payment(store, "A-1", card=DISPUTED)
    assert payment.status is PaymentStatus.DISPUTED
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await refund(system, payment, amount=100)

    assert refused.value.code == "payment_not_refundable"
    assert system.stored() == before


async def test_after_a_won_dispute_the_payment_can_be_refunded(
    system: System, store: Store
) -> None:
    payment = await system.paid_payment(store, "A-1", card=DISPUTED)
    assert payment.payment_intent_id is not None
    await system.stripe.close_dispute(system.stripe.dispute_of(payment.payment_intent_id), won=True)

    made = await refund(system, payment)

    assert made.refund.amount == eur(1999)
    assert made.payment.status is PaymentStatus.REFUNDED


@pytest.mark.parametrize("amount", [0, -100, 19.99])
async def test_an_amount_that_cannot_be_refunded_is_refused(
    system: System, store: Store, amount: int
) -> None:
    payment = await system.paid_payment(store, "A-1")
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await refund(system, payment, amount=amount)

    assert refused.value.code == "invalid_amount"
    assert system.stored() == before


async def test_dinar_refunds_are_in_tens_of_fils(system: System) -> None:
    store = await system.onboarded_store("Kuwait", currency="KWD")
    payment = await system.paid_payment(store, "K-1", 1500)
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await refund(system, payment, amount=15)
    assert system.stored() == before
    made = await refund(system, payment, amount=750)

    assert refused.value.code == "invalid_amount"
    assert made.refund.amount == Money.of(750, "KWD")
    assert made.refund.platform_fee_refunded == Money.of(20, "KWD")


async def test_yen_refunds_are_whole_yen(system: System) -> None:
    store = await system.onboarded_store("Tokyo", currency="JPY")
    payment = await system.paid_payment(store, "Y-1", 1000)

    made = await refund(system, payment, amount=333)

    assert made.refund.amount == Money.of(333, "JPY")
    assert made.refund.platform_fee_refunded == Money.of(8, "JPY")


@pytest.mark.parametrize("reason", ["because", "REQUESTED_BY_CUSTOMER", ""])
async def test_an_unknown_reason_is_refused(system: System, store: Store, reason: str) -> None:
    payment = await system.paid_payment(store, "A-1")
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await refund(system, payment, reason=reason)

    assert refused.value.code == "invalid_refund"
    assert system.stored() == before


@pytest.mark.parametrize("reason", ["requested_by_customer", "duplicate", "fraudulent"])
async def test_every_known_reason_reaches_the_gateway(
    system: System, store: Store, reason: str
) -> None:
    payment = await system.paid_payment(store, "A-1")

    made = await refund(system, payment, amount=100, reason=reason)

    assert made.refund.reason is RefundReason(reason)
    assert made.refund.gateway_refund_id is not None
    assert system.stripe.retrieve_object(made.refund.gateway_refund_id)["reason"] == reason


async def test_a_retry_with_the_same_key_replays_the_first_refund(
    system: System, store: Store
) -> None:
    payment = await system.paid_payment(store, "A-1")
    first = await refund(system, payment, amount=500, idempotency_key="refund-1")
    before = system.stored()
    events = len(system.stripe.sent_events)

    again = await refund(system, payment, amount=500, idempotency_key="refund-1")

    assert again.refund.id == first.refund.id
    assert again.refund.amount == eur(500)
    assert again.payment.amount_refunded == eur(500)
    assert system.stored() == before
    assert len(system.stripe.sent_events) == events


@pytest.mark.parametrize(
    ("amount", "reason"),
    [(600, None), (None, None), (500, "duplicate")],
)
async def test_a_key_reused_for_another_refund_is_refused(
    system: System, store: Store, amount: int | None, reason: str | None
) -> None:
    payment = await system.paid_payment(store, "A-1")
    await refund(system, payment, amount=500, idempotency_key="refund-1")
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await refund(system, payment, amount=amount, reason=reason, idempotency_key="refund-1")

    assert refused.value.code == "idempotency_key_reused"
    assert system.stored() == before


async def test_a_key_reused_for_another_payment_is_refused(system: System, store: Store) -> None:
    first = await system.paid_payment(store, "A-1")
    second = await system.paid_payment(store, "A-2")
    await refund(system, first, amount=500, idempotency_key="refund-1")

    with pytest.raises(DomainError) as refused:
        await refund(system, second, amount=500, idempotency_key="refund-1")

    assert refused.value.code == "idempotency_key_reused"


async def test_keys_are_per_store(system: System, store: Store, other_store: Store) -> None:
    mine = await system.paid_payment(store, "A-1")
    theirs = await system.paid_payment(other_store, "B-1")

    first = await refund(system, mine, amount=500, idempotency_key="refund-1")
    second = await refund(system, theirs, amount=700, idempotency_key="refund-1")

    assert first.refund.id != second.refund.id
    assert second.refund.amount == eur(700)


async def test_without_a_key_two_requests_make_two_refunds(system: System, store: Store) -> None:
    payment = await system.paid_payment(store, "A-1")

    first = await refund(system, payment, amount=500)
    second = await refund(system, payment, amount=500)

    assert first.refund.id != second.refund.id
    assert second.payment.amount_refunded == eur(1000)


async def test_another_stores_payment_is_not_found(
    system: System, store: Store, other_store: Store
) -> None:
    payment = await system.paid_payment(store, "A-1")
    before = system.stored()

    for store_id, payment_id in ((other_store.id, payment.id), (store.id, "pay_nobody")):
        with pytest.raises(DomainError) as refused:
            await system.use_cases.refund_payment(RefundOrder(store_id, payment_id))
        assert refused.value.code == "not_found"

    assert system.stored() == before


async def test_a_refund_the_gateway_refuses_gives_its_amount_back(held: System) -> None:
    store = await held.onboarded_store()
    payment = await held.paid_payment(store, "A-1", 1999)
    await held.release_all()
    assert payment.payment_intent_id is not None
    await held.gateway.create_refund(
        RefundRequest(
            payment_intent_id=payment.payment_intent_id,
            amount=eur(1000),
            application_fee_refund=eur(25),
            idempotency_key="dashboard-refund",
        )
    )

    with pytest.raises(GatewayError) as refused:
        await refund(held, payment, amount=1500)

    assert refused.value.code == "gateway_error"
    failed = await held.use_cases.get_payment(store.id, payment.id)
    assert [(r.id, r.status, r.gateway_refund_id) for r in failed.refunds] == [
        ("rf_0001", RefundStatus.FAILED, None)
    ]
    assert failed.refunds[0].failure_reason == refused.value.message
    assert failed.refundable_amount == eur(1999)
    assert failed.status is PaymentStatus.SUCCEEDED
    [balance] = await held.use_cases.get_balance(store.id)
    assert balance.refunds == eur(0)

    made = await refund(held, payment, amount=500)
    await held.release_all()

    assert made.refund.status is RefundStatus.SUCCEEDED
    final = await held.use_cases.get_payment(store.id, payment.id)
    assert final.amount_refunded == eur(1500)
    assert final.status is PaymentStatus.PARTIALLY_REFUNDED
    assert held.stripe.failed_deliveries == []


async def test_a_refund_while_a_dispute_is_not_yet_known_is_refused_by_the_gateway(
    held: System,
) -> None:
    store = await held.onboarded_store()
    payment = await held.paid_payment(store, "A-1", 1999)
    assert payment.payment_intent_id is not None
    await held.release_all()
    await held.stripe.open_dispute(payment.payment_intent_id)

    with pytest.raises(GatewayError):
        await refund(held, payment)
    await held.release_all()

    final = await held.use_cases.get_payment(store.id, payment.id)
    assert final.status is PaymentStatus.DISPUTED
    assert [r.status for r in final.refunds] == [RefundStatus.FAILED]
    [balance] = await held.use_cases.get_balance(store.id)
    assert (balance.refunds, balance.disputed) == (eur(0), eur(1999))


async def test_concurrent_refunds_cannot_take_more_than_is_left(networked: System) -> None:
    store = await networked.onboarded_store()
    payment = await networked.paid_payment(store, "A-1", 1999)
    made: list[RefundMade] = []
    refused: list[DomainError] = []

    async def ask(amount: int) -> None:
        try:
            made.append(await refund(networked, payment, amount=amount))
        except DomainError as error:
            refused.append(error)

    async with anyio.create_task_group() as group:
        group.start_soon(ask, 1200)
        group.start_soon(ask, 1000)

    assert len(made) == 1
    assert [error.code for error in refused] == ["refund_exceeds_remaining"]
    final = await networked.use_cases.get_payment(store.id, payment.id)
    assert final.amount_refunded == made[0].refund.amount
    assert charge_of(networked, final)["amount_refunded"] == made[0].refund.amount.minor_units


async def test_concurrent_refunds_whose_transactions_overlap_cannot_take_more_than_is_left(
    overlapping: System,
) -> None:
    store = await overlapping.onboarded_store()
    payment = await overlapping.paid_payment(store, "A-1", 1999)
    made: list[RefundMade] = []
    refused: list[Exception] = []

    async def ask(amount: int) -> None:
        try:
            made.append(await refund(overlapping, payment, amount=amount))
        except Exception as error:
            refused.append(error)

    async with anyio.create_task_group() as group:
        group.start_soon(ask, 1200)
        group.start_soon(ask, 1000)

    assert len(made) == 1
    assert [getattr(error, "code", repr(error)) for error in refused] == [
        "refund_exceeds_remaining"
    ]
    final = await overlapping.use_cases.get_payment(store.id, payment.id)
    assert final.amount_refunded == made[0].refund.amount
    assert charge_of(overlapping, final)["amount_refunded"] == made[0].refund.amount.minor_units


async def test_concurrent_refunds_whose_transactions_overlap_and_fit_both_succeed(
    overlapping: System,
) -> None:
    store = await overlapping.onboarded_store()
    payment = await overlapping.paid_payment(store, "A-1", 1999)

    async def ask(amount: int) -> None:
        await refund(overlapping, payment, amount=amount)

    async with anyio.create_task_group() as group:
        group.start_soon(ask, 1000)
        group.start_soon(ask, 999)

    final = await overlapping.use_cases.get_payment(store.id, payment.id)
    assert final.status is PaymentStatus.REFUNDED
    assert final.platform_fee_refunded == eur(50)


async def test_concurrent_refunds_that_fit_both_succeed(networked: System) -> None:
    store = await networked.onboarded_store()
    payment = await networked.paid_payment(store, "A-1", 1999)

    async def ask(amount: int) -> None:
        await refund(networked, payment, amount=amount)

    async with anyio.create_task_group() as group:
        group.start_soon(ask, 1000)
        group.start_soon(ask, 999)

    final = await networked.use_cases.get_payment(store.id, payment.id)
    assert final.status is PaymentStatus.REFUNDED
    assert final.platform_fee_refunded == eur(50)


async def test_a_refund_that_fails_later_gives_its_amount_back(
    system: System, store: Store
) -> None:
    payment = await system.paid_payment(store, "A-1", 1999)
    system.stripe.fail_next_refund()

    made = await refund(system, payment, amount=1000)

    assert made.refund.status is RefundStatus.PENDING
    assert made.payment.status is PaymentStatus.SUCCEEDED
    assert made.payment.refundable_amount == eur(999)
    assert await system.stripe.settle_refunds() == 1
    failed = await system.use_cases.get_payment(store.id, payment.id)
    assert failed.refunds[0].status is RefundStatus.FAILED
    assert failed.refunds[0].failure_reason == "declined"
    assert failed.refundable_amount == eur(1999)
    assert failed.status is PaymentStatus.SUCCEEDED
    [balance] = await system.use_cases.get_balance(store.id)
    assert (balance.refunds, balance.fee_refunds) == (eur(0), eur(0))


async def test_a_refund_returned_by_the_shoppers_bank_is_reversed(
    system: System, store: Store
) -> None:
    payment = await system.paid_payment(store, "A-1", 1999, card=REFUND_FAILS)
    made = await refund(system, payment)
    assert made.payment.status is PaymentStatus.REFUNDED

    await system.stripe.settle_refunds()

    final = await system.use_cases.get_payment(store.id, payment.id)
    assert final.status is PaymentStatus.SUCCEEDED
    assert final.refunds[0].status is RefundStatus.FAILED
    assert final.refunds[0].failure_reason == "expired_or_canceled_card"
    [balance] = await system.use_cases.get_balance(store.id)
    assert (balance.gross_volume, balance.refunds, balance.fee_refunds) == (
        eur(1999),
        eur(0),
        eur(0),
    )
    assert balance.net == eur(1949)
    order = await system.use_cases.get_order(store.id, payment.order_id)
    assert order.payment_status is OrderPaymentStatus.PAID


async def test_a_refund_lost_on_the_way_to_the_gateway_stays_pending(
    system: System, store: Store
) -> None:
    payment = await system.paid_payment(store, "A-1", 1999)
    system.network.unreachable_for_refunds()

    with pytest.raises(GatewayUnavailable):
        await refund(system, payment, amount=500, idempotency_key="refund-1")

    pending = await system.use_cases.get_payment(store.id, payment.id)
    assert [(r.id, r.status) for r in pending.refunds] == [("rf_0001", RefundStatus.PENDING)]
    assert pending.refundable_amount == eur(1499)
    assert charge_of(system, pending)["amount_refunded"] == 0


async def test_reconciliation_asks_again_for_a_refund_the_gateway_never_received(
    system: System, store: Store
) -> None:
    payment = await system.paid_payment(store, "A-1", 1999)
    system.network.unreachable_for_refunds()
    with pytest.raises(GatewayUnavailable):
        await refund(system, payment, amount=500)
    later(system, minutes=14)
    too_early = await system.use_cases.reconcile()
    later(system, minutes=2)

    report = await system.use_cases.reconcile()

    assert too_early.refunds_checked == 0
    assert (report.refunds_checked, report.failures) == (1, 0)

    final = await system.use_cases.get_payment(store.id, payment.id)
    assert [(r.id, r.status) for r in final.refunds] == [("rf_0001", RefundStatus.SUCCEEDED)]
    assert final.amount_refunded == eur(500)
    assert charge_of(system, final)["amount_refunded"] == 500


async def test_reconciliation_learns_of_a_refund_whose_answer_was_lost(held: System) -> None:
    store = await held.onboarded_store()
    payment = await held.paid_payment(store, "A-1", 1999)
    await held.release_all()
    held.network.unreachable_for_refunds(answer_lost=True)
    with pytest.raises(GatewayUnavailable):
        await refund(held, payment, amount=500)
    later(held, minutes=20)

    report = await held.use_cases.reconcile()

    assert report.refunds_checked == 1
    final = await held.use_cases.get_payment(store.id, payment.id)
    assert [(r.id, r.status) for r in final.refunds] == [("rf_0001", RefundStatus.SUCCEEDED)]
    assert len(held.events_of_type("refund.created")) == 1
    await held.release_all()
    assert (await held.use_cases.get_payment(store.id, payment.id)).amount_refunded == eur(500)
    assert charge_of(held, final)["amount_refunded"] == 500


async def test_reconciliation_gives_back_a_refund_the_gateway_refuses_on_resubmission(
    system: System, store: Store
) -> None:
    payment = await system.paid_payment(store, "A-1", 1999)
    assert payment.payment_intent_id is not None
    system.network.unreachable_for_refunds()
    with pytest.raises(GatewayUnavailable):
        await refund(system, payment, amount=500)
    await system.stripe.open_dispute(payment.payment_intent_id)
    later(system, minutes=20)

    report = await system.use_cases.reconcile()

    assert (report.refunds_checked, report.failures) == (0, 1)
    final = await system.use_cases.get_payment(store.id, payment.id)
    assert [(r.id, r.status) for r in final.refunds] == [("rf_0001", RefundStatus.FAILED)]
    assert final.status is PaymentStatus.DISPUTED
    assert final.amount_refunded == eur(0)
    assert (await system.use_cases.reconcile()).refunds_checked == 0
