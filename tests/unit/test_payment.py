from __future__ import annotations

import pytest

from domain.dispute import DisputeStatus
from domain.errors import AmountTooSmall, IllegalTransition, InvalidAmount
from domain.events import DisputeStatusChanged, PaymentFailed, PaymentSucceeded, RefundStatusChanged
from domain.ledger import EntryKind
from domain.payment import (
    ALLOWED_TRANSITIONS,
    IntentObservation,
    IntentState,
    Payment,
    PaymentStatus,
)
from domain.refund import RefundStatus

from .conftest import (
    ORDER_ID,
    PAYMENT_ID,
    STORE_ID,
    T0,
    at,
    dispute_seen,
    entry,
    intent,
    money,
    new_payment,
    paid_payment,
    refund_seen,
    status_changed,
    succeeded,
)

OPEN = [
    PaymentStatus.PENDING,
    PaymentStatus.REQUIRES_ACTION,
    PaymentStatus.PROCESSING,
    PaymentStatus.FAILED,
]
PAID = [
    PaymentStatus.SUCCEEDED,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED,
    PaymentStatus.DISPUTED,
]


def payment_succeeded(minute: int) -> PaymentSucceeded:
    return PaymentSucceeded(
        occurred_at=at(minute),
        payment_id=PAYMENT_ID,
        store_id=STORE_ID,
        order_id=ORDER_ID,
        amount=money("100.00"),
        platform_fee=money("2.50"),
    )


def payment_failed(minute: int, reason: str | None) -> PaymentFailed:
    return PaymentFailed(
        occurred_at=at(minute),
        payment_id=PAYMENT_ID,
        store_id=STORE_ID,
        order_id=ORDER_ID,
        reason=reason,
    )


def charge_entries(minute: int) -> list[object]:
    return [
        entry(EntryKind.CHARGE, money("100.00"), PAYMENT_ID, minute),
        entry(EntryKind.PLATFORM_FEE, money("2.50"), PAYMENT_ID, minute),
    ]


# -- starting ------------------------------------------------------------------------------------


def test_a_new_payment_is_pending_with_its_breakdown() -> None:
    payment = new_payment()

    assert payment.id == PAYMENT_ID
    assert payment.store_id == STORE_ID
    assert payment.order_id == ORDER_ID
    assert payment.created_at == T0
    assert payment.status is PaymentStatus.PENDING
    assert payment.amount_total == money("100.00")
    assert payment.amount_platform_fee == money("2.50")
    assert payment.amount_store == money("97.50")
    assert payment.charge_id is None
    assert payment.paid_at is None
    assert payment.failure_reason is None
    assert payment.refundable_amount == money("0.00")
    assert payment.pull_events() == []
    assert payment.pull_ledger_entries() == []


@pytest.mark.parametrize(
    ("total", "error"),
    [
        (money("0.49"), AmountTooSmall),
        (money("0.00"), InvalidAmount),
        (money("1000000.00"), InvalidAmount),
        (money("1.505", "KWD"), InvalidAmount),
    ],
)
def test_a_payment_the_gateway_cannot_charge_is_not_started(
    total: object, error: type[InvalidAmount]
) -> None:
    with pytest.raises(error):
        new_payment(total)  # type: ignore[arg-type]


def test_attach_intent_once() -> None:
    payment = new_payment()

    payment.attach_intent("pi_1")
    payment.attach_intent("pi_1")

    assert payment.payment_intent_id == "pi_1"
    with pytest.raises(IllegalTransition, match="already has a payment intent"):
        payment.attach_intent("pi_2")
    assert payment.payment_intent_id == "pi_1"


# -- the payment attempt -------------------------------------------------------------------------


def test_success_posts_the_charge_and_the_platform_fee() -> None:
    payment = new_payment()

    payment.observe_intent(succeeded(1, "ch_1"))

    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.charge_id == "ch_1"
    assert payment.paid_at == at(1)
    assert payment.refundable_amount == money("100.00")
    assert payment.pull_events() == [
        status_changed(1, PaymentStatus.PENDING, PaymentStatus.SUCCEEDED),
        payment_succeeded(1),
    ]
    assert payment.pull_ledger_entries() == charge_entries(1)
    assert payment.pull_events() == []
    assert payment.pull_ledger_entries() == []


def test_the_same_success_observed_twice_changes_nothing() -> None:
    payment = paid_payment()

    payment.observe_intent(succeeded(1))

    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.pull_events() == []
    assert payment.pull_ledger_entries() == []


def failed_payment() -> Payment:
    payment = new_payment()
    payment.observe_intent(
        intent(IntentState.FAILED, 1, charge_id="ch_1", failure_reason="card_declined")
    )
    return payment


def test_a_failed_attempt() -> None:
    payment = failed_payment()

    assert payment.status is PaymentStatus.FAILED
    assert payment.failure_reason == "card_declined"
    assert payment.charge_id is None
    assert payment.paid_at is None
    assert payment.pull_events() == [
        status_changed(1, PaymentStatus.PENDING, PaymentStatus.FAILED),
        payment_failed(1, "card_declined"),
    ]
    assert payment.pull_ledger_entries() == []


def test_a_successful_retry_after_a_failed_attempt() -> None:
    payment = failed_payment()
    payment.pull_events()

    payment.observe_intent(succeeded(2, "ch_2"))

    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.failure_reason is None
    assert payment.charge_id == "ch_2"
    assert payment.paid_at == at(2)
    assert payment.pull_events() == [
        status_changed(2, PaymentStatus.FAILED, PaymentStatus.SUCCEEDED),
        payment_succeeded(2),
    ]
    assert payment.pull_ledger_entries() == charge_entries(2)


def test_two_failed_attempts_keep_the_latest_reason() -> None:
    payment = new_payment()

    payment.observe_intent(intent(IntentState.FAILED, 1, failure_reason="card_declined"))
    payment.observe_intent(intent(IntentState.FAILED, 2, failure_reason="insufficient_funds"))

    assert payment.status is PaymentStatus.FAILED
    assert payment.failure_reason == "insufficient_funds"
    assert payment.latest_intent == intent(
        IntentState.FAILED, 2, failure_reason="insufficient_funds"
    )


def test_a_late_failure_after_success_is_ignored() -> None:
    payment = paid_payment()

    payment.observe_intent(
        intent(IntentState.FAILED, 5, charge_id="ch_0", failure_reason="card_declined")
    )

    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.charge_id == "ch_1"
    assert payment.paid_at == at(1)
    assert payment.failure_reason is None
    assert payment.latest_intent == succeeded(1)
    assert payment.pull_events() == []
    assert payment.pull_ledger_entries() == []


def test_an_earlier_failure_reported_after_success_is_ignored() -> None:
    payment = paid_payment()

    payment.observe_intent(intent(IntentState.FAILED, 0, failure_reason="card_declined"))

    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.pull_events() == []


def test_three_d_secure_then_success() -> None:
    payment = new_payment()

    statuses = []
    for observation in (
        intent(IntentState.REQUIRES_ACTION, 1),
        intent(IntentState.PROCESSING, 2),
        succeeded(3),
    ):
        payment.observe_intent(observation)
        statuses.append(payment.status)

    assert statuses == [
        PaymentStatus.REQUIRES_ACTION,
        PaymentStatus.PROCESSING,
        PaymentStatus.SUCCEEDED,
    ]
    assert payment.paid_at == at(3)
    assert payment.pull_events() == [
        status_changed(1, PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION),
        status_changed(2, PaymentStatus.REQUIRES_ACTION, PaymentStatus.PROCESSING),
        status_changed(3, PaymentStatus.PROCESSING, PaymentStatus.SUCCEEDED),
        payment_succeeded(3),
    ]
    assert payment.pull_ledger_entries() == charge_entries(3)


def test_three_d_secure_failed() -> None:
    payment = new_payment()

    payment.observe_intent(intent(IntentState.REQUIRES_ACTION, 1))
    payment.observe_intent(
        intent(IntentState.FAILED, 2, failure_reason="payment_intent_authentication_failure")
    )

    assert payment.status is PaymentStatus.FAILED
    assert payment.failure_reason == "payment_intent_authentication_failure"
    assert payment.pull_ledger_entries() == []


def test_an_outdated_stage_is_ignored() -> None:
    payment = new_payment()
    payment.observe_intent(intent(IntentState.PROCESSING, 2))
    payment.pull_events()

    payment.observe_intent(intent(IntentState.REQUIRES_ACTION, 1))

    assert payment.status is PaymentStatus.PROCESSING
    assert payment.pull_events() == []


@pytest.mark.parametrize(
    ("first", "second", "status"),
    [
        (IntentState.REQUIRES_ACTION, IntentState.FAILED, PaymentStatus.FAILED),
        (IntentState.FAILED, IntentState.REQUIRES_ACTION, PaymentStatus.FAILED),
        (IntentState.PROCESSING, IntentState.REQUIRES_ACTION, PaymentStatus.PROCESSING),
        (IntentState.PENDING, IntentState.PROCESSING, PaymentStatus.PROCESSING),
    ],
)
def test_within_one_instant_the_later_stage_wins(
    first: IntentState, second: IntentState, status: PaymentStatus
) -> None:
    payment = new_payment()

    payment.observe_intent(intent(first, 1))
    payment.observe_intent(intent(second, 1))

    assert payment.status is status


def test_cancellation_and_check_cancelable() -> None:
    payment = new_payment()
    payment.check_cancelable()

    payment.observe_intent(intent(IntentState.CANCELED, 2))

    assert payment.status is PaymentStatus.CANCELED
    assert payment.pull_events() == [
        status_changed(2, PaymentStatus.PENDING, PaymentStatus.CANCELED)
    ]
    assert payment.pull_ledger_entries() == []
    with pytest.raises(IllegalTransition, match="a canceled payment cannot be canceled"):
        payment.check_cancelable()


def test_a_failure_after_cancellation_is_ignored() -> None:
    payment = new_payment()
    payment.observe_intent(intent(IntentState.CANCELED, 2))
    payment.pull_events()

    payment.observe_intent(intent(IntentState.FAILED, 3, failure_reason="card_declined"))

    assert payment.status is PaymentStatus.CANCELED
    assert payment.pull_events() == []


def test_money_that_moved_after_a_cancellation_still_counts() -> None:
    payment = new_payment()
    payment.observe_intent(intent(IntentState.CANCELED, 2))
    payment.pull_events()

    payment.observe_intent(succeeded(3))

    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.pull_events() == [
        status_changed(3, PaymentStatus.CANCELED, PaymentStatus.SUCCEEDED),
        payment_succeeded(3),
    ]
    assert payment.pull_ledger_entries() == charge_entries(3)


@pytest.mark.parametrize(
    "state", [IntentState.REQUIRES_ACTION, IntentState.PROCESSING, IntentState.FAILED]
)
def test_a_payment_awaiting_its_outcome_can_be_canceled(state: IntentState) -> None:
    payment = new_payment()
    payment.observe_intent(intent(state, 1))

    payment.check_cancelable()


def test_a_paid_payment_cannot_be_canceled() -> None:
    payment = paid_payment()

    with pytest.raises(IllegalTransition, match="a succeeded payment cannot be canceled") as raised:
        payment.check_cancelable()

    assert raised.value.code == "illegal_transition"


# -- refunds and disputes prove the charge -------------------------------------------------------


def test_a_refund_reported_before_the_success_implies_it() -> None:
    payment = new_payment()

    payment.observe_refund(refund_seen("re_1", money("30.00"), RefundStatus.SUCCEEDED, 5))

    assert payment.status is PaymentStatus.PARTIALLY_REFUNDED
    assert payment.paid_at == at(5)
    assert payment.pull_events() == [
        status_changed(5, PaymentStatus.PENDING, PaymentStatus.SUCCEEDED),
        payment_succeeded(5),
        RefundStatusChanged(
            occurred_at=at(5),
            payment_id=PAYMENT_ID,
            store_id=STORE_ID,
            refund_id="re_1",
            previous=RefundStatus.PENDING,
            current=RefundStatus.SUCCEEDED,
        ),
        status_changed(5, PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED),
    ]
    assert payment.pull_ledger_entries() == [
        *charge_entries(5),
        entry(EntryKind.REFUND, money("30.00"), "re_1", 5),
        entry(EntryKind.FEE_REFUND, money("0.75"), "re_1", 5),
    ]

    payment.observe_intent(succeeded(1, "ch_1"))

    assert payment.status is PaymentStatus.PARTIALLY_REFUNDED
    assert payment.charge_id == "ch_1"
    assert payment.paid_at == at(1)
    assert payment.pull_events() == []
    assert payment.pull_ledger_entries() == []


def test_a_dispute_reported_before_the_success_implies_it() -> None:
    payment = new_payment()
    payment.observe_intent(intent(IntentState.PROCESSING, 1))
    payment.pull_events()

    payment.observe_dispute(dispute_seen("dp_1", money("100.00"), DisputeStatus.OPEN, 3))

    assert payment.status is PaymentStatus.DISPUTED
    assert payment.paid_at == at(3)
    assert payment.pull_events() == [
        status_changed(3, PaymentStatus.PROCESSING, PaymentStatus.SUCCEEDED),
        payment_succeeded(3),
        DisputeStatusChanged(
            occurred_at=at(3),
            payment_id=PAYMENT_ID,
            store_id=STORE_ID,
            dispute_id="dp_1",
            amount=money("100.00"),
            previous=None,
            current=DisputeStatus.OPEN,
        ),
        status_changed(3, PaymentStatus.SUCCEEDED, PaymentStatus.DISPUTED),
    ]
    assert payment.pull_ledger_entries() == [
        *charge_entries(3),
        entry(EntryKind.DISPUTE, money("100.00"), "dp_1", 3),
        entry(EntryKind.FEE_REFUND, money("2.50"), "dp_1", 3),
    ]


def test_a_failed_payment_that_is_later_refunded_was_paid() -> None:
    payment = new_payment()
    payment.observe_intent(intent(IntentState.FAILED, 1, failure_reason="card_declined"))

    payment.observe_refund(refund_seen("re_1", money("100.00"), RefundStatus.SUCCEEDED, 4))

    assert payment.status is PaymentStatus.REFUNDED
    assert payment.failure_reason is None


# -- statuses ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(PaymentStatus))
def test_paid_and_open_statuses(status: PaymentStatus) -> None:
    assert status.is_paid is (status in PAID)
    assert status.is_open is (status in OPEN)


def test_the_transition_table() -> None:
    assert ALLOWED_TRANSITIONS[PaymentStatus.CANCELED] == frozenset(PAID)
    for status in OPEN:
        assert ALLOWED_TRANSITIONS[status] == frozenset(PaymentStatus) - {status}
    for status in PAID:
        assert ALLOWED_TRANSITIONS[status] == frozenset(PAID) - {status}


@pytest.mark.parametrize(
    ("status", "attempt_failed", "state"),
    [
        ("requires_payment_method", False, IntentState.PENDING),
        ("requires_confirmation", False, IntentState.PENDING),
        ("requires_payment_method", True, IntentState.FAILED),
        ("requires_confirmation", True, IntentState.FAILED),
        ("requires_action", False, IntentState.REQUIRES_ACTION),
        ("processing", False, IntentState.PROCESSING),
        ("requires_capture", False, IntentState.PROCESSING),
        ("succeeded", False, IntentState.SUCCEEDED),
        ("succeeded", True, IntentState.SUCCEEDED),
        ("canceled", False, IntentState.CANCELED),
    ],
)
def test_intent_state_from_gateway_status(
    status: str, attempt_failed: bool, state: IntentState
) -> None:
    assert IntentState.from_gateway_status(status, attempt_failed=attempt_failed) is state


@pytest.mark.parametrize("status", ["failed", "requires_source", "Succeeded", ""])
def test_an_unknown_gateway_status_raises(status: str) -> None:
    with pytest.raises(ValueError, match="unknown payment intent status"):
        IntentState.from_gateway_status(status)


@pytest.mark.parametrize(
    ("higher", "lower"),
    [
        (succeeded(1), intent(IntentState.FAILED, 9)),
        (succeeded(1), intent(IntentState.CANCELED, 9)),
        (intent(IntentState.CANCELED, 1), intent(IntentState.FAILED, 9)),
        (intent(IntentState.FAILED, 2), intent(IntentState.PROCESSING, 1)),
        (intent(IntentState.FAILED, 1), intent(IntentState.REQUIRES_ACTION, 1)),
        (succeeded(2), succeeded(1)),
    ],
)
def test_which_observation_outranks_which(
    higher: IntentObservation, lower: IntentObservation
) -> None:
    assert higher.outranks(lower)
    assert not lower.outranks(higher)
    assert not higher.outranks(higher)


def test_two_payments_with_the_same_values_are_different_payments() -> None:
    assert new_payment() != new_payment()
