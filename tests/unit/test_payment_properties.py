from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import count
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from domain.currency import Currency
from domain.dispute import DisputeObservation, DisputeStatus
from domain.fees import FeeBreakdown, FeePolicy
from domain.ledger import LedgerEntry, Party, platform_fees, positions, store_balances
from domain.money import Money
from domain.payment import IntentObservation, IntentState, Payment, PaymentStatus
from domain.refund import RefundObservation, RefundStatus

from .conftest import at, chargeable_amounts, fee_policies

CURRENCIES = [Currency.of(code) for code in ("EUR", "USD", "JPY", "KWD", "BHD", "ISK")]
REFUNDABLE = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED)
REFUND_REPORTS = [
    RefundStatus.SUCCEEDED,
    RefundStatus.SUCCEEDED,
    RefundStatus.FAILED,
    RefundStatus.CANCELED,
    RefundStatus.REQUIRES_ACTION,
    RefundStatus.PENDING,
]

Observation = IntentObservation | RefundObservation | DisputeObservation


@st.composite
def breakdowns(draw: st.DrawFn) -> FeeBreakdown:
    currency = draw(st.sampled_from(CURRENCIES))
    maximum = draw(st.sampled_from([1_000, 100_000, 99_999_999]))
    total = draw(chargeable_amounts(currency, maximum))
    return draw(fee_policies(currency)).breakdown(total)


def start(breakdown: FeeBreakdown) -> Payment:
    return Payment.start(
        payment_id="pay_1",
        store_id="store_1",
        order_id="order_1",
        breakdown=breakdown,
        created_at=at(0),
    )


def apply(payment: Payment, observation: Observation) -> None:
    if isinstance(observation, IntentObservation):
        payment.observe_intent(observation)
    elif isinstance(observation, RefundObservation):
        payment.observe_refund(observation)
    else:
        payment.observe_dispute(observation)


def in_steps(draw: Callable[[st.SearchStrategy[int]], int], amount: Money) -> Money:
    """A positive whole number of charge steps, at most ``amount``."""
    step = amount.currency.charge_step
    return Money(draw(st.integers(1, amount.minor_units // step)) * step, amount.currency)


# -- no minor unit created or lost ---------------------------------------------------------------


def assert_money_is_conserved(payment: Payment, ledger: list[LedgerEntry]) -> None:
    currency = payment.amount_total.currency
    total, fee = payment.amount_total, payment.amount_platform_fee
    zero = Money.zero(currency)
    held = positions(ledger)
    shopper, store, platform = (held[(party, currency)] for party in Party)

    assert shopper + store + platform == zero
    assert store >= zero
    assert platform >= zero

    refunded, disputed = payment.amount_refunded, payment.amount_disputed
    holding = sum((r.amount for r in payment.refunds if r.status.holds_amount), zero)
    assert refunded + disputed <= total
    assert holding + disputed <= total
    assert shopper == refunded + disputed - total
    for refund in payment.refunds:
        assert zero <= refund.platform_fee_refunded <= refund.amount
    for dispute in payment.disputes:
        assert zero <= dispute.platform_fee_returned <= dispute.amount

    (balance,) = store_balances(ledger)
    fee_returned = payment.platform_fee_refunded + sum(
        (d.platform_fee_returned for d in payment.disputes), zero
    )
    assert balance.gross_volume == total
    assert balance.platform_fees == fee
    assert balance.refunds == refunded
    assert balance.disputed == disputed
    assert balance.fee_refunds == fee_returned
    assert balance.net == store
    assert platform_fees(ledger)[0].net == platform

    if refunded + disputed == total:
        assert balance.fee_refunds == fee
        assert store == zero
        assert platform == zero


@settings(max_examples=250, deadline=None)
@given(breakdown=breakdowns(), data=st.data())
def test_no_minor_unit_is_created_or_lost(breakdown: FeeBreakdown, data: st.DataObject) -> None:
    payment = start(breakdown)
    payment.observe_intent(IntentObservation(IntentState.SUCCEEDED, at(1), charge_id="ch_1"))
    ledger = payment.pull_ledger_entries()
    clock = count(2)
    operations = ["refund"] * 3 + ["refund_outcome"] * 4 + ["open_dispute"] + ["close_dispute"] * 2

    for _ in range(data.draw(st.integers(0, 20), label="operations")):
        operation = data.draw(st.sampled_from(operations))
        minute = next(clock)
        left = payment.refundable_amount
        can_take = left.minor_units >= payment.amount_total.currency.charge_step
        if operation == "refund" and payment.status in REFUNDABLE and can_take:
            amount = None if data.draw(st.booleans()) else in_steps(data.draw, left)
            payment.request_refund(
                refund_id=f"rf_{len(payment.refunds) + 1}", requested_at=at(minute), amount=amount
            )
        elif operation == "refund_outcome" and payment.refunds:
            refund = data.draw(st.sampled_from(payment.refunds))
            if refund.status is RefundStatus.SUCCEEDED:
                status = RefundStatus.FAILED
            else:
                status = data.draw(st.sampled_from(REFUND_REPORTS))
            payment.observe_refund(
                RefundObservation(
                    gateway_refund_id=f"re_{refund.id}",
                    amount=refund.amount,
                    status=status,
                    observed_at=at(minute),
                    refund_id=refund.id,
                )
            )
        elif operation == "open_dispute" and can_take:
            payment.observe_dispute(
                DisputeObservation(
                    dispute_id=f"dp_{len(payment.disputes) + 1}",
                    amount=in_steps(data.draw, left),
                    status=DisputeStatus.OPEN,
                    observed_at=at(minute),
                )
            )
        elif operation == "close_dispute":
            open_disputes = [d for d in payment.disputes if d.status is DisputeStatus.OPEN]
            if open_disputes:
                dispute = data.draw(st.sampled_from(open_disputes))
                payment.observe_dispute(
                    DisputeObservation(
                        dispute_id=dispute.id,
                        amount=dispute.amount,
                        status=data.draw(st.sampled_from([DisputeStatus.WON, DisputeStatus.LOST])),
                        observed_at=at(minute),
                    )
                )
        ledger += payment.pull_ledger_entries()
        assert_money_is_conserved(payment, ledger)


# -- order of arrival ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """What the gateway reports about one payment, in the order it happened."""

    breakdown: FeeBreakdown
    success: IntentObservation
    refund_requests: tuple[tuple[str, Money, datetime], ...]
    observations: tuple[Observation, ...]


ATTEMPTS = [
    (IntentState.FAILED,),
    (IntentState.REQUIRES_ACTION, IntentState.FAILED),
    (IntentState.REQUIRES_ACTION,),
    (IntentState.PROCESSING, IntentState.FAILED),
    (IntentState.PENDING,),
]
REFUND_OUTCOMES = [
    (),
    (RefundStatus.SUCCEEDED,),
    (RefundStatus.FAILED,),
    (RefundStatus.CANCELED,),
    (RefundStatus.SUCCEEDED, RefundStatus.FAILED),
    (RefundStatus.PENDING, RefundStatus.SUCCEEDED),
    (RefundStatus.REQUIRES_ACTION, RefundStatus.SUCCEEDED),
    (RefundStatus.REQUIRES_ACTION, RefundStatus.CANCELED),
]
DISPUTE_OUTCOMES = [
    (DisputeStatus.OPEN,),
    (DisputeStatus.OPEN, DisputeStatus.WON),
    (DisputeStatus.OPEN, DisputeStatus.LOST),
]


@st.composite
def scenarios(draw: st.DrawFn, *, dashboard_refunds: bool = False) -> Scenario:
    """Attempts, the success, then refunds and disputes; the refunds are asked for by command,
    or, with ``dashboard_refunds``, made at the gateway and known only from its reports."""
    breakdown = draw(breakdowns())
    currency = breakdown.currency
    clock = count(1)
    observations: list[Observation] = []

    for attempt in range(draw(st.integers(0, 3))):
        for state in draw(st.sampled_from(ATTEMPTS)):
            failed = state is IntentState.FAILED
            observations.append(
                IntentObservation(
                    state,
                    at(next(clock)),
                    charge_id=f"ch_{attempt}" if failed else None,
                    failure_reason="card_declined" if failed else None,
                )
            )
    if draw(st.booleans()):
        observations.append(IntentObservation(IntentState.REQUIRES_ACTION, at(next(clock))))
    success = IntentObservation(IntentState.SUCCEEDED, at(next(clock)), charge_id="ch_ok")
    observations.append(success)
    for _ in range(draw(st.integers(0, 2))):
        observations.append(
            IntentObservation(
                IntentState.FAILED, at(next(clock)), charge_id="ch_0", failure_reason="late"
            )
        )

    left = breakdown.total
    requests: list[tuple[str, Money, datetime]] = []
    groups: list[list[Observation]] = []
    for number in range(1, draw(st.integers(0, 3)) + 1):
        if left.minor_units < currency.charge_step:
            break
        refund_id = None if dashboard_refunds else f"rf_{number}"
        amount = in_steps(draw, left)
        left -= amount
        if refund_id is not None:
            requests.append((refund_id, amount, at(next(clock))))
        groups.append(
            [
                RefundObservation(
                    gateway_refund_id=f"re_{number}",
                    amount=amount,
                    status=status,
                    observed_at=at(0),
                    refund_id=refund_id,
                    failure_reason="charge_disputed" if status is RefundStatus.FAILED else None,
                )
                for status in draw(st.sampled_from(REFUND_OUTCOMES))
            ]
        )
    for number in range(1, draw(st.integers(0, 2)) + 1):
        if left.minor_units < currency.charge_step:
            break
        amount = in_steps(draw, left)
        left -= amount
        groups.append(
            [
                DisputeObservation(f"dp_{number}", amount, status, at(0), reason="fraudulent")
                for status in draw(st.sampled_from(DISPUTE_OUTCOMES))
            ]
        )

    groups = [group for group in groups if group]
    while groups:
        group = draw(st.sampled_from(groups))
        observation = group.pop(0)
        observations.append(_observed_at(observation, at(next(clock))))
        groups = [g for g in groups if g]

    return Scenario(breakdown, success, tuple(requests), tuple(observations))


def _observed_at(observation: Observation, moment: datetime) -> Observation:
    if isinstance(observation, RefundObservation):
        return RefundObservation(
            gateway_refund_id=observation.gateway_refund_id,
            amount=observation.amount,
            status=observation.status,
            observed_at=moment,
            refund_id=observation.refund_id,
            failure_reason=observation.failure_reason,
        )
    assert isinstance(observation, DisputeObservation)
    return DisputeObservation(
        observation.dispute_id, observation.amount, observation.status, moment, observation.reason
    )


def prepared(scenario: Scenario) -> Payment:
    payment = start(scenario.breakdown)
    payment.observe_intent(scenario.success)
    for refund_id, amount, requested_at in scenario.refund_requests:
        payment.request_refund(refund_id=refund_id, requested_at=requested_at, amount=amount)
    return payment


def outcome(payment: Payment) -> dict[str, Any]:
    ledger = payment.pull_ledger_entries()
    return {
        "status": payment.status,
        "charge_id": payment.charge_id,
        "paid_at": payment.paid_at,
        "latest_intent": payment.latest_intent,
        "refunds": sorted(
            (
                r.id,
                r.status,
                r.amount,
                r.platform_fee_refunded,
                r.gateway_refund_id,
                r.failure_reason,
                r.settled,
            )
            for r in payment.refunds
        ),
        "disputes": sorted(
            (d.id, d.status, d.amount, d.platform_fee_returned, d.opened_at, d.funds_withdrawn)
            for d in payment.disputes
        ),
        "store_balances": store_balances(ledger),
        "platform_fees": platform_fees(ledger),
        "positions": positions(ledger),
    }


Arrival = tuple[Scenario, tuple[Observation, ...]]


def arrivals(scenario: Scenario) -> st.SearchStrategy[Arrival]:
    """The scenario's reports shuffled, some of them delivered twice."""
    observations = list(scenario.observations)
    return (
        st.lists(st.sampled_from(observations), max_size=6)
        .flatmap(lambda duplicates: st.permutations(observations + duplicates))
        .map(lambda arrival: (scenario, tuple(arrival)))
    )


def outcomes_in_and_out_of_order(case: Arrival) -> tuple[dict[str, Any], dict[str, Any]]:
    scenario, arrival = case
    in_order, out_of_order = prepared(scenario), prepared(scenario)

    for observation in scenario.observations:
        apply(in_order, observation)
    for observation in arrival:
        apply(out_of_order, observation)

    return outcome(in_order), outcome(out_of_order)


@settings(max_examples=250, deadline=None)
@given(case=scenarios().flatmap(arrivals))
def test_the_order_of_arrival_does_not_change_the_outcome(case: Arrival) -> None:
    expected, actual = outcomes_in_and_out_of_order(case)

    assert actual == expected
    assert expected["status"] in (
        PaymentStatus.SUCCEEDED,
        PaymentStatus.PARTIALLY_REFUNDED,
        PaymentStatus.REFUNDED,
        PaymentStatus.DISPUTED,
    )
    assert expected["charge_id"] == "ch_ok"
    assert expected["paid_at"] == case[0].success.observed_at


@settings(max_examples=200, deadline=None)
@given(scenario=scenarios(), data=st.data())
def test_attempt_reports_settle_the_same_in_any_order_from_the_start(
    scenario: Scenario, data: st.DataObject
) -> None:
    attempts = [o for o in scenario.observations if isinstance(o, IntentObservation)]
    shuffled = data.draw(st.permutations(attempts))
    in_order, out_of_order = start(scenario.breakdown), start(scenario.breakdown)

    for observation in attempts:
        apply(in_order, observation)
    for observation in shuffled:
        apply(out_of_order, observation)

    assert outcome(out_of_order) == outcome(in_order)
    assert in_order.status is PaymentStatus.SUCCEEDED
    assert in_order.charge_id == "ch_ok"
    assert in_order.paid_at == scenario.success.observed_at


def _dashboard_refund(refund: str, status: RefundStatus, minute: int) -> RefundObservation:
    return RefundObservation(
        gateway_refund_id=refund,
        amount=Money.parse("33.33", "EUR"),
        status=status,
        observed_at=at(minute),
    )


_SUCCESS = IntentObservation(IntentState.SUCCEEDED, at(1), charge_id="ch_ok")
_A = _dashboard_refund("re_a", RefundStatus.SUCCEEDED, 2)
_B = _dashboard_refund("re_b", RefundStatus.SUCCEEDED, 3)
_A_FAILED = _dashboard_refund("re_a", RefundStatus.FAILED, 4)
TWO_DASHBOARD_REFUNDS_ONE_FAILED = Scenario(
    breakdown=FeePolicy.build("2.5", "EUR").breakdown(Money.parse("100.00", "EUR")),
    success=_SUCCESS,
    refund_requests=(),
    observations=(_SUCCESS, _A, _B, _A_FAILED),
)


@settings(max_examples=250, deadline=None)
@given(case=scenarios(dashboard_refunds=True).flatmap(arrivals))
@example(case=(TWO_DASHBOARD_REFUNDS_ONE_FAILED, (_SUCCESS, _B, _A, _A_FAILED)))
def test_dashboard_refunds_settle_the_same_in_any_order(case: Arrival) -> None:
    expected, actual = outcomes_in_and_out_of_order(case)

    assert actual == expected
