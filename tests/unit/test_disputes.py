from __future__ import annotations

import pytest

from domain.currency import Currency
from domain.dispute import Dispute, DisputeObservation, DisputeStatus
from domain.errors import ConflictingObservation, PaymentNotRefundable
from domain.events import DisputeStatusChanged
from domain.ledger import EntryKind, Party, platform_fees, positions, store_balances
from domain.money import Money
from domain.payment import Payment, PaymentStatus
from domain.refund import RefundStatus

from .conftest import (
    PAYMENT_ID,
    STORE_ID,
    at,
    dispute_seen,
    entry,
    money,
    new_payment,
    paid_payment,
    refund_seen,
    status_changed,
    succeeded,
)


def dispute_changed(
    minute: int, amount: str, previous: DisputeStatus | None, current: DisputeStatus
) -> DisputeStatusChanged:
    return DisputeStatusChanged(
        occurred_at=at(minute),
        payment_id=PAYMENT_ID,
        store_id=STORE_ID,
        dispute_id="dp_1",
        amount=money(amount),
        previous=previous,
        current=current,
    )


def report(payment: Payment, amount: str, status: DisputeStatus, minute: int) -> None:
    payment.observe_dispute(dispute_seen("dp_1", money(amount), status, minute))


def disputed_payment(amount: str = "100.00") -> Payment:
    payment = paid_payment()
    report(payment, amount, DisputeStatus.OPEN, 2)
    payment.pull_events()
    payment.pull_ledger_entries()
    return payment


def test_an_open_dispute_withdraws_the_funds_and_returns_the_fee_share() -> None:
    payment = paid_payment()

    payment.observe_dispute(
        dispute_seen("dp_1", money("100.00"), DisputeStatus.OPEN, 2, reason="fraudulent")
    )

    assert payment.disputes == [
        Dispute(
            id="dp_1",
            amount=money("100.00"),
            status=DisputeStatus.OPEN,
            opened_at=at(2),
            platform_fee_returned=money("2.50"),
            reason="fraudulent",
            funds_withdrawn=True,
        )
    ]
    assert payment.status is PaymentStatus.DISPUTED
    assert payment.amount_disputed == money("100.00")
    assert payment.refundable_amount == money("0.00")
    assert payment.pull_events() == [
        dispute_changed(2, "100.00", None, DisputeStatus.OPEN),
        status_changed(2, PaymentStatus.SUCCEEDED, PaymentStatus.DISPUTED),
    ]
    assert payment.pull_ledger_entries() == [
        entry(EntryKind.DISPUTE, money("100.00"), "dp_1", 2),
        entry(EntryKind.FEE_REFUND, money("2.50"), "dp_1", 2),
    ]


def test_a_won_dispute_gives_the_funds_and_the_fee_share_back() -> None:
    payment = disputed_payment()

    report(payment, "100.00", DisputeStatus.WON, 5)

    dispute = payment.disputes[0]
    assert dispute.status is DisputeStatus.WON
    assert dispute.platform_fee_returned == money("0.00")
    assert not dispute.funds_withdrawn
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.amount_disputed == money("0.00")
    assert payment.refundable_amount == money("100.00")
    assert payment.pull_events() == [
        dispute_changed(5, "100.00", DisputeStatus.OPEN, DisputeStatus.WON),
        status_changed(5, PaymentStatus.DISPUTED, PaymentStatus.SUCCEEDED),
    ]
    assert payment.pull_ledger_entries() == [
        entry(EntryKind.DISPUTE_REVERSAL, money("100.00"), "dp_1", 5),
        entry(EntryKind.FEE_REFUND_REVERSAL, money("2.50"), "dp_1", 5),
    ]


def test_a_lost_dispute_keeps_the_funds_withdrawn() -> None:
    payment = disputed_payment()

    report(payment, "100.00", DisputeStatus.LOST, 5)

    assert payment.disputes[0].status is DisputeStatus.LOST
    assert payment.disputes[0].platform_fee_returned == money("2.50")
    assert payment.status is PaymentStatus.DISPUTED
    assert payment.amount_disputed == money("100.00")
    assert payment.pull_events() == [
        dispute_changed(5, "100.00", DisputeStatus.OPEN, DisputeStatus.LOST)
    ]
    assert payment.pull_ledger_entries() == []


def test_a_partial_dispute_returns_its_share_of_the_fee() -> None:
    payment = paid_payment()

    report(payment, "40.00", DisputeStatus.OPEN, 2)

    assert payment.disputes[0].platform_fee_returned == money("1.00")
    assert payment.refundable_amount == money("60.00")
    assert payment.pull_ledger_entries()[-2:] == [
        entry(EntryKind.DISPUTE, money("40.00"), "dp_1", 2),
        entry(EntryKind.FEE_REFUND, money("1.00"), "dp_1", 2),
    ]


def test_a_disputed_payment_cannot_be_refunded() -> None:
    payment = disputed_payment("40.00")

    with pytest.raises(PaymentNotRefundable, match="a disputed payment"):
        payment.request_refund(refund_id="rf_1", requested_at=at(3), amount=money("10.00"))

    assert payment.refunds == []


def test_a_lost_dispute_after_a_partial_refund_returns_the_rest_of_the_fee() -> None:
    payment = new_payment()
    payment.observe_intent(succeeded(1))
    refund = payment.request_refund(refund_id="rf_1", requested_at=at(2), amount=money("33.33"))
    payment.observe_refund(
        refund_seen("re_1", refund.amount, RefundStatus.SUCCEEDED, 3, refund_id="rf_1")
    )

    report(payment, "66.67", DisputeStatus.OPEN, 4)
    report(payment, "66.67", DisputeStatus.LOST, 5)

    entries = payment.pull_ledger_entries()
    assert entries[-2:] == [
        entry(EntryKind.DISPUTE, money("66.67"), "dp_1", 4),
        entry(EntryKind.FEE_REFUND, money("1.67"), "dp_1", 4),
    ]
    assert refund.platform_fee_refunded + payment.disputes[0].platform_fee_returned == money("2.50")
    assert platform_fees(entries)[0].net == money("0.00")
    assert store_balances(entries)[0].net == money("0.00")
    assert positions(entries)[(Party.SHOPPER, Currency.of("EUR"))] == money("0.00")


def test_a_dispute_share_follows_the_refunds_standing_before_it() -> None:
    payment = paid_payment()
    refund = payment.request_refund(refund_id="rf_1", requested_at=at(2), amount=money("33.33"))
    report(payment, "33.33", DisputeStatus.OPEN, 3)
    assert payment.disputes[0].platform_fee_returned == money("0.84")
    payment.pull_ledger_entries()

    payment.observe_refund(
        refund_seen("re_1", refund.amount, RefundStatus.FAILED, 4, refund_id="rf_1")
    )

    assert payment.disputes[0].platform_fee_returned == money("0.83")
    assert payment.pull_ledger_entries() == [
        entry(EntryKind.FEE_REFUND_REVERSAL, money("0.01"), "dp_1", 4)
    ]


def test_a_won_dispute_makes_the_amount_refundable_again() -> None:
    payment = disputed_payment("40.00")
    report(payment, "40.00", DisputeStatus.WON, 3)

    refund = payment.request_refund(refund_id="rf_1", requested_at=at(4))

    assert refund.amount == money("100.00")
    assert refund.platform_fee_refunded == money("2.50")


def test_the_same_report_twice_changes_nothing() -> None:
    payment = disputed_payment()

    report(payment, "100.00", DisputeStatus.OPEN, 2)

    assert payment.pull_events() == []
    assert payment.pull_ledger_entries() == []


def test_an_open_report_after_the_outcome_is_ignored() -> None:
    payment = disputed_payment()
    report(payment, "100.00", DisputeStatus.WON, 5)
    payment.pull_events()
    payment.pull_ledger_entries()

    report(payment, "100.00", DisputeStatus.OPEN, 3)

    assert payment.disputes[0].status is DisputeStatus.WON
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.pull_events() == []
    assert payment.pull_ledger_entries() == []


def test_an_outcome_reported_before_the_opening() -> None:
    payment = paid_payment()

    report(payment, "100.00", DisputeStatus.WON, 5)

    assert payment.disputes[0].status is DisputeStatus.WON
    assert not payment.disputes[0].funds_withdrawn
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.pull_events() == [dispute_changed(5, "100.00", None, DisputeStatus.WON)]
    assert payment.pull_ledger_entries() == []

    report(payment, "100.00", DisputeStatus.OPEN, 2)

    assert payment.disputes[0].status is DisputeStatus.WON
    assert payment.disputes[0].opened_at == at(2)
    assert payment.pull_events() == []
    assert payment.pull_ledger_entries() == []


def test_lost_outranks_won_when_reports_contradict() -> None:
    payment = disputed_payment()
    report(payment, "100.00", DisputeStatus.WON, 5)
    payment.pull_events()
    payment.pull_ledger_entries()

    report(payment, "100.00", DisputeStatus.LOST, 6)

    assert payment.disputes[0].status is DisputeStatus.LOST
    assert payment.status is PaymentStatus.DISPUTED
    assert payment.pull_events() == [
        dispute_changed(6, "100.00", DisputeStatus.WON, DisputeStatus.LOST),
        status_changed(6, PaymentStatus.SUCCEEDED, PaymentStatus.DISPUTED),
    ]
    assert payment.pull_ledger_entries() == [
        entry(EntryKind.DISPUTE, money("100.00"), "dp_1", 6),
        entry(EntryKind.FEE_REFUND, money("2.50"), "dp_1", 6),
    ]


def test_two_disputes_on_one_payment() -> None:
    payment = paid_payment()

    payment.observe_dispute(dispute_seen("dp_1", money("30.00"), DisputeStatus.OPEN, 2))
    payment.observe_dispute(dispute_seen("dp_2", money("70.00"), DisputeStatus.OPEN, 3))

    assert [d.platform_fee_returned for d in payment.disputes] == [
        money("0.75"),
        money("1.75"),
    ]
    assert payment.amount_disputed == money("100.00")
    entries = payment.pull_ledger_entries()
    assert sum(
        (e.amount for e in entries if e.kind is EntryKind.FEE_REFUND), Money.zero("EUR")
    ) == money("2.50")


@pytest.mark.parametrize(
    ("status", "holds_funds", "rank"),
    [(DisputeStatus.OPEN, True, 0), (DisputeStatus.WON, False, 1), (DisputeStatus.LOST, True, 2)],
)
def test_dispute_status_ranks(status: DisputeStatus, holds_funds: bool, rank: int) -> None:
    assert status.holds_funds is holds_funds
    assert status.rank == rank


def test_a_dispute_above_the_payment_conflicts_and_changes_nothing() -> None:
    payment = paid_payment()
    payment.pull_ledger_entries()

    with pytest.raises(ConflictingObservation) as raised:
        payment.observe_dispute(
            DisputeObservation("dp_1", money("100.01"), DisputeStatus.OPEN, at(3))
        )

    assert raised.value.code == "conflicting_observation"
    assert payment.disputes == []
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.pull_ledger_entries() == []


def test_a_dispute_takes_at_most_what_the_shopper_was_not_refunded() -> None:
    payment = paid_payment()
    payment.observe_refund(refund_seen("re_1", money("40.00"), RefundStatus.SUCCEEDED, 2))
    payment.pull_ledger_entries()

    with pytest.raises(ConflictingObservation):
        payment.observe_dispute(
            DisputeObservation("dp_1", money("60.01"), DisputeStatus.OPEN, at(3))
        )
    payment.observe_dispute(DisputeObservation("dp_1", money("60.00"), DisputeStatus.OPEN, at(3)))

    assert payment.status is PaymentStatus.DISPUTED
    assert payment.amount_disputed == money("60.00")
