from __future__ import annotations

import pytest

from domain.errors import (
    ConflictingObservation,
    CurrencyMismatch,
    DuplicateRefund,
    IllegalTransition,
    InvalidAmount,
    PaymentNotRefundable,
    RefundExceedsRemaining,
    UnknownRefund,
)
from domain.events import RefundRequested, RefundStatusChanged
from domain.ledger import EntryKind
from domain.money import Money
from domain.payment import IntentState, Payment, PaymentStatus
from domain.refund import Refund, RefundReason, RefundStatus

from .conftest import (
    PAYMENT_ID,
    STORE_ID,
    at,
    entry,
    intent,
    money,
    new_payment,
    paid_payment,
    refund_seen,
    status_changed,
)


def refund_requested(minute: int, refund_id: str, amount: str, fee: str) -> RefundRequested:
    return RefundRequested(
        occurred_at=at(minute),
        payment_id=PAYMENT_ID,
        store_id=STORE_ID,
        refund_id=refund_id,
        amount=money(amount),
        platform_fee_refunded=money(fee),
    )


def refund_changed(
    minute: int, refund_id: str, previous: RefundStatus, current: RefundStatus
) -> RefundStatusChanged:
    return RefundStatusChanged(
        occurred_at=at(minute),
        payment_id=PAYMENT_ID,
        store_id=STORE_ID,
        refund_id=refund_id,
        previous=previous,
        current=current,
    )


def request(payment: Payment, refund_id: str, amount: str | None, minute: int = 2) -> Refund:
    return payment.request_refund(
        refund_id=refund_id,
        requested_at=at(minute),
        amount=None if amount is None else money(amount),
    )


def report(
    payment: Payment,
    refund: Refund,
    status: RefundStatus,
    minute: int,
    *,
    failure_reason: str | None = None,
) -> None:
    payment.observe_refund(
        refund_seen(
            f"re_{refund.id}",
            refund.amount,
            status,
            minute,
            refund_id=refund.id,
            failure_reason=failure_reason,
        )
    )


def drain(payment: Payment) -> None:
    payment.pull_events()
    payment.pull_ledger_entries()


# -- asking for a refund -------------------------------------------------------------------------


def test_a_full_refund_by_default() -> None:
    payment = paid_payment()

    refund = request(payment, "rf_1", None)

    assert refund == Refund(
        id="rf_1",
        amount=money("100.00"),
        platform_fee_refunded=money("2.50"),
        status=RefundStatus.PENDING,
        created_at=at(2),
    )
    assert payment.refunds == [refund]
    assert payment.refund("rf_1") is refund
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.refundable_amount == money("0.00")
    assert payment.amount_refunded == money("0.00")
    assert payment.pull_events() == [refund_requested(2, "rf_1", "100.00", "2.50")]
    assert payment.pull_ledger_entries() == []


def test_a_full_refund_that_succeeds() -> None:
    payment = paid_payment()
    refund = request(payment, "rf_1", None)
    payment.pull_events()

    report(payment, refund, RefundStatus.SUCCEEDED, 3)

    assert refund.status is RefundStatus.SUCCEEDED
    assert refund.gateway_refund_id == "re_rf_1"
    assert refund.settled
    assert payment.status is PaymentStatus.REFUNDED
    assert payment.amount_refunded == money("100.00")
    assert payment.platform_fee_refunded == money("2.50")
    assert payment.pull_events() == [
        refund_changed(3, "rf_1", RefundStatus.PENDING, RefundStatus.SUCCEEDED),
        status_changed(3, PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED),
    ]
    assert payment.pull_ledger_entries() == [
        entry(EntryKind.REFUND, money("100.00"), "rf_1", 3),
        entry(EntryKind.FEE_REFUND, money("2.50"), "rf_1", 3),
    ]


def test_a_partial_refund() -> None:
    payment = paid_payment()

    refund = request(payment, "rf_1", "30.00")
    report(payment, refund, RefundStatus.SUCCEEDED, 3)

    assert refund.platform_fee_refunded == money("0.75")
    assert refund.store_amount_refunded == money("29.25")
    assert payment.status is PaymentStatus.PARTIALLY_REFUNDED
    assert payment.refundable_amount == money("70.00")
    assert payment.amount_refunded == money("30.00")
    assert payment.pull_events() == [
        refund_requested(2, "rf_1", "30.00", "0.75"),
        refund_changed(3, "rf_1", RefundStatus.PENDING, RefundStatus.SUCCEEDED),
        status_changed(3, PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED),
    ]
    assert payment.pull_ledger_entries() == [
        entry(EntryKind.REFUND, money("30.00"), "rf_1", 3),
        entry(EntryKind.FEE_REFUND, money("0.75"), "rf_1", 3),
    ]


def test_three_partial_refunds_give_back_exactly_the_fee() -> None:
    payment = paid_payment()

    refunds = [
        request(payment, "rf_1", "33.33", 2),
        request(payment, "rf_2", "33.33", 3),
        request(payment, "rf_3", "33.34", 4),
    ]
    for minute, refund in enumerate(refunds, start=5):
        report(payment, refund, RefundStatus.SUCCEEDED, minute)

    assert [r.platform_fee_refunded for r in refunds] == [
        money("0.83"),
        money("0.84"),
        money("0.83"),
    ]
    assert payment.status is PaymentStatus.REFUNDED
    assert payment.platform_fee_refunded == money("2.50")
    assert [s for s in payment.pull_events() if isinstance(s, RefundRequested)] == [
        refund_requested(2, "rf_1", "33.33", "0.83"),
        refund_requested(3, "rf_2", "33.33", "0.84"),
        refund_requested(4, "rf_3", "33.34", "0.83"),
    ]


def test_a_refund_keeps_its_reason() -> None:
    payment = paid_payment()

    refund = payment.request_refund(
        refund_id="rf_1",
        requested_at=at(2),
        amount=money("10.00"),
        reason=RefundReason.REQUESTED_BY_CUSTOMER,
    )

    assert refund.reason is RefundReason.REQUESTED_BY_CUSTOMER


def test_kwd_refunds_return_the_fee_in_tens_of_fils() -> None:
    payment = paid_payment(money("10.000", "KWD"))

    first = payment.request_refund(
        refund_id="rf_1", requested_at=at(2), amount=money("3.330", "KWD")
    )
    second = payment.request_refund(
        refund_id="rf_2", requested_at=at(3), amount=money("3.330", "KWD")
    )
    last = payment.request_refund(refund_id="rf_3", requested_at=at(4))

    assert last.amount == money("3.340", "KWD")
    shares = [r.platform_fee_refunded for r in (first, second, last)]
    assert shares == [money("0.080", "KWD"), money("0.090", "KWD"), money("0.080", "KWD")]


def test_a_refund_id_names_one_refund() -> None:
    payment = paid_payment()
    request(payment, "rf_1", "30.00")

    with pytest.raises(DuplicateRefund) as raised:
        request(payment, "rf_1", "30.00", 3)

    assert raised.value.code == "duplicate_refund"

    assert [r.id for r in payment.refunds] == ["rf_1"]
    assert payment.refundable_amount == money("70.00")


# -- refunds that are refused --------------------------------------------------------------------


def test_a_refund_above_the_payment_is_refused() -> None:
    payment = paid_payment()

    with pytest.raises(RefundExceedsRemaining, match=r"more than the EUR 100\.00 left") as raised:
        request(payment, "rf_1", "100.01")

    assert raised.value.code == "refund_exceeds_remaining"
    assert payment.refunds == []


def test_a_refund_above_what_is_left_is_refused_and_changes_nothing() -> None:
    payment = paid_payment()
    first = request(payment, "rf_1", "60.00")
    drain(payment)

    with pytest.raises(
        RefundExceedsRemaining, match=r"EUR 40\.01 is more than the EUR 40\.00 left"
    ):
        request(payment, "rf_2", "40.01")

    assert payment.refunds == [first]
    assert payment.refundable_amount == money("40.00")
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.pull_events() == []
    assert payment.pull_ledger_entries() == []
    assert request(payment, "rf_2", "40.00").platform_fee_refunded == money("1.00")


@pytest.mark.parametrize(
    "state",
    [
        None,
        IntentState.REQUIRES_ACTION,
        IntentState.PROCESSING,
        IntentState.FAILED,
        IntentState.CANCELED,
    ],
)
def test_an_unpaid_payment_cannot_be_refunded(state: IntentState | None) -> None:
    payment = new_payment()
    if state is not None:
        payment.observe_intent(intent(state, 1))
    drain(payment)

    with pytest.raises(PaymentNotRefundable) as raised:
        request(payment, "rf_1", "10.00")

    assert raised.value.code == "payment_not_refundable"
    assert payment.refunds == []
    assert payment.pull_events() == []


def test_a_refunded_payment_cannot_be_refunded_again() -> None:
    payment = paid_payment()
    report(payment, request(payment, "rf_1", None), RefundStatus.SUCCEEDED, 3)

    with pytest.raises(PaymentNotRefundable, match="a refunded payment"):
        request(payment, "rf_2", None)


def test_nothing_is_left_while_a_full_refund_is_pending() -> None:
    payment = paid_payment()
    request(payment, "rf_1", None)

    with pytest.raises(PaymentNotRefundable, match="nothing is left"):
        request(payment, "rf_2", "0.01")


def test_a_refund_in_another_currency_is_refused() -> None:
    payment = paid_payment()

    with pytest.raises(CurrencyMismatch, match="in EUR, not USD"):
        payment.request_refund(refund_id="rf_1", requested_at=at(2), amount=money("1.00", "USD"))


@pytest.mark.parametrize(
    ("total", "amount"),
    [
        (money("100.00"), money("0.00")),
        (money("100.00"), money("-1.00")),
        (money("10.000", "KWD"), money("1.005", "KWD")),
    ],
)
def test_a_refund_the_gateway_cannot_move_is_refused(total: Money, amount: Money) -> None:
    payment = paid_payment(total)

    with pytest.raises(InvalidAmount):
        payment.request_refund(refund_id="rf_1", requested_at=at(2), amount=amount)

    assert payment.refunds == []


# -- what the gateway reports --------------------------------------------------------------------


def test_a_pending_refund_that_fails_releases_its_amount() -> None:
    payment = paid_payment()
    refund = request(payment, "rf_1", "40.00")
    drain(payment)

    report(payment, refund, RefundStatus.FAILED, 3, failure_reason="expired_or_canceled_card")

    assert refund.status is RefundStatus.FAILED
    assert refund.failure_reason == "expired_or_canceled_card"
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.refundable_amount == money("100.00")
    assert payment.pull_events() == [
        refund_changed(3, "rf_1", RefundStatus.PENDING, RefundStatus.FAILED)
    ]
    assert payment.pull_ledger_entries() == []


def test_a_canceled_refund_releases_its_amount() -> None:
    payment = paid_payment()
    refund = request(payment, "rf_1", "40.00")
    drain(payment)

    report(payment, refund, RefundStatus.CANCELED, 3)

    assert refund.status is RefundStatus.CANCELED
    assert payment.refundable_amount == money("100.00")
    assert payment.pull_ledger_entries() == []


def test_a_refund_that_fails_after_succeeding_is_reversed() -> None:
    payment = paid_payment()
    refund = request(payment, "rf_1", "40.00")
    report(payment, refund, RefundStatus.SUCCEEDED, 3)
    drain(payment)

    report(payment, refund, RefundStatus.FAILED, 4, failure_reason="lost_or_stolen_card")

    assert refund.status is RefundStatus.FAILED
    assert not refund.settled
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.amount_refunded == money("0.00")
    assert payment.refundable_amount == money("100.00")
    assert payment.pull_events() == [
        refund_changed(4, "rf_1", RefundStatus.SUCCEEDED, RefundStatus.FAILED),
        status_changed(4, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.SUCCEEDED),
    ]
    assert payment.pull_ledger_entries() == [
        entry(EntryKind.REFUND_REVERSAL, money("40.00"), "rf_1", 4),
        entry(EntryKind.FEE_REFUND_REVERSAL, money("1.00"), "rf_1", 4),
    ]
    assert request(payment, "rf_2", None, 5).platform_fee_refunded == money("2.50")


def test_a_full_refund_that_fails_after_succeeding_makes_the_payment_succeeded_again() -> None:
    payment = paid_payment()
    refund = request(payment, "rf_1", None)
    report(payment, refund, RefundStatus.SUCCEEDED, 3)
    drain(payment)

    report(payment, refund, RefundStatus.FAILED, 4)

    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.pull_events()[-1] == status_changed(
        4, PaymentStatus.REFUNDED, PaymentStatus.SUCCEEDED
    )


def test_a_success_reported_after_the_failure_is_ignored() -> None:
    payment = paid_payment()
    refund = request(payment, "rf_1", "40.00")
    report(payment, refund, RefundStatus.FAILED, 4)
    drain(payment)

    report(payment, refund, RefundStatus.SUCCEEDED, 3)

    assert refund.status is RefundStatus.FAILED
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.pull_events() == []
    assert payment.pull_ledger_entries() == []


def test_the_same_report_twice_changes_nothing() -> None:
    payment = paid_payment()
    refund = request(payment, "rf_1", "40.00")
    report(payment, refund, RefundStatus.SUCCEEDED, 3)
    drain(payment)

    report(payment, refund, RefundStatus.SUCCEEDED, 3)
    report(payment, refund, RefundStatus.PENDING, 2)

    assert refund.status is RefundStatus.SUCCEEDED
    assert payment.pull_events() == []
    assert payment.pull_ledger_entries() == []


def test_a_refund_that_requires_action_still_holds_its_amount() -> None:
    payment = paid_payment()
    refund = request(payment, "rf_1", "40.00")
    drain(payment)

    report(payment, refund, RefundStatus.REQUIRES_ACTION, 3)

    assert refund.status is RefundStatus.REQUIRES_ACTION
    assert payment.refundable_amount == money("60.00")
    assert payment.pull_events() == [
        refund_changed(3, "rf_1", RefundStatus.PENDING, RefundStatus.REQUIRES_ACTION)
    ]
    assert payment.pull_ledger_entries() == []


def test_a_report_is_matched_by_the_gateway_refund_id() -> None:
    payment = paid_payment()
    refund = request(payment, "rf_1", "40.00")
    payment.attach_gateway_refund("rf_1", "re_9")

    payment.observe_refund(refund_seen("re_9", money("40.00"), RefundStatus.SUCCEEDED, 3))

    assert payment.refunds == [refund]
    assert refund.status is RefundStatus.SUCCEEDED


def test_attach_gateway_refund() -> None:
    payment = paid_payment()
    request(payment, "rf_1", "40.00")

    payment.attach_gateway_refund("rf_1", "re_9")
    payment.attach_gateway_refund("rf_1", "re_9")

    with pytest.raises(ConflictingObservation) as raised:
        payment.attach_gateway_refund("rf_1", "re_10")
    assert raised.value.code == "conflicting_observation"
    assert payment.refund("rf_1").gateway_refund_id == "re_9"
    with pytest.raises(UnknownRefund):
        payment.attach_gateway_refund("rf_2", "re_10")


def test_a_report_naming_our_refund_under_another_gateway_refund_conflicts() -> None:
    payment = paid_payment()
    refund = request(payment, "rf_1", "40.00")
    payment.attach_gateway_refund("rf_1", "re_1")

    with pytest.raises(ConflictingObservation):
        payment.observe_refund(
            refund_seen("re_2", money("40.00"), RefundStatus.SUCCEEDED, 3, refund_id="rf_1")
        )

    assert refund.gateway_refund_id == "re_1"
    assert refund.status is RefundStatus.PENDING


def test_an_unknown_refund_id_raises() -> None:
    with pytest.raises(UnknownRefund, match="has no refund rf_9") as raised:
        paid_payment().refund("rf_9")

    assert raised.value.code == "unknown_refund"


def test_a_refund_made_at_the_dashboard_is_registered() -> None:
    payment = paid_payment()

    payment.observe_refund(
        refund_seen(
            "re_ext", money("20.00"), RefundStatus.SUCCEEDED, 3, reason=RefundReason.DUPLICATE
        )
    )

    assert payment.refunds == [
        Refund(
            id="re_ext",
            amount=money("20.00"),
            platform_fee_refunded=money("0.50"),
            status=RefundStatus.SUCCEEDED,
            created_at=at(3),
            reason=RefundReason.DUPLICATE,
            gateway_refund_id="re_ext",
            settled=True,
            fee_share_fixed=False,
        )
    ]
    assert payment.status is PaymentStatus.PARTIALLY_REFUNDED
    assert payment.refundable_amount == money("80.00")
    assert payment.pull_events() == [
        refund_changed(3, "re_ext", RefundStatus.PENDING, RefundStatus.SUCCEEDED),
        status_changed(3, PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED),
    ]
    assert payment.pull_ledger_entries() == [
        entry(EntryKind.REFUND, money("20.00"), "re_ext", 3),
        entry(EntryKind.FEE_REFUND, money("0.50"), "re_ext", 3),
    ]


def test_a_dashboard_refund_carrying_our_id_is_registered_under_it() -> None:
    payment = paid_payment()

    payment.observe_refund(
        refund_seen("re_1", money("20.00"), RefundStatus.PENDING, 3, refund_id="rf_7")
    )

    assert payment.refund("rf_7").gateway_refund_id == "re_1"
    assert payment.refund("rf_7").status is RefundStatus.PENDING
    assert payment.refundable_amount == money("80.00")


@pytest.mark.parametrize(("pending", "reported"), [(None, "100.01"), ("60.00", "40.01")])
def test_a_dashboard_refund_above_what_the_payment_holds_conflicts(
    pending: str | None, reported: str
) -> None:
    payment = paid_payment()
    if pending is not None:
        request(payment, "rf_1", pending)
    refunds_before = list(payment.refunds)
    drain(payment)

    with pytest.raises(ConflictingObservation, match="exceeds what payment pay_1 holds"):
        payment.observe_refund(refund_seen("re_ext", money(reported), RefundStatus.SUCCEEDED, 3))

    assert payment.refunds == refunds_before
    assert payment.pull_ledger_entries() == []


def test_a_report_with_another_amount_conflicts() -> None:
    payment = paid_payment()
    refund = request(payment, "rf_1", "40.00")
    drain(payment)

    with pytest.raises(ConflictingObservation, match=r"refund rf_1 is for EUR 40\.00"):
        payment.observe_refund(
            refund_seen("re_1", money("40.01"), RefundStatus.SUCCEEDED, 3, refund_id="rf_1")
        )

    assert refund.status is RefundStatus.PENDING
    assert refund.gateway_refund_id is None
    assert payment.pull_events() == []
    assert payment.pull_ledger_entries() == []


@pytest.mark.parametrize(
    ("status", "holds_amount", "rank"),
    [
        (RefundStatus.PENDING, True, 0),
        (RefundStatus.REQUIRES_ACTION, True, 1),
        (RefundStatus.SUCCEEDED, True, 2),
        (RefundStatus.CANCELED, False, 3),
        (RefundStatus.FAILED, False, 4),
    ],
)
def test_refund_status_ranks(status: RefundStatus, holds_amount: bool, rank: int) -> None:
    assert status.holds_amount is holds_amount
    assert status.rank == rank


def test_a_refund_the_gateway_refused_gives_its_amount_back() -> None:
    payment = paid_payment()
    refund = request(payment, "rf_1", "40.00")
    payment.pull_events()

    payment.abandon_refund("rf_1", reason="charge_already_refunded", at=at(4))

    assert refund.status is RefundStatus.FAILED
    assert refund.failure_reason == "charge_already_refunded"
    assert payment.refundable_amount == money("100.00")
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.pull_events() == [
        refund_changed(4, "rf_1", RefundStatus.PENDING, RefundStatus.FAILED)
    ]
    assert payment.pull_ledger_entries() == []


def test_a_refund_the_gateway_holds_cannot_be_abandoned() -> None:
    payment = paid_payment()
    request(payment, "rf_1", "40.00")
    payment.attach_gateway_refund("rf_1", "re_1")

    with pytest.raises(IllegalTransition):
        payment.abandon_refund("rf_1", reason="timeout", at=at(4))

    assert payment.refund("rf_1").status is RefundStatus.PENDING
