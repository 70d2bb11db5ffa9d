"""Builders shared by the domain's unit and property tests."""

from __future__ import annotations

import decimal
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from domain.currency import Currency
from domain.dispute import DisputeObservation, DisputeStatus
from domain.events import PaymentStatusChanged
from domain.fees import FeePolicy, Percentage
from domain.ledger import EntryKind, LedgerEntry
from domain.money import Money, Rounding
from domain.payment import IntentObservation, IntentState, Payment, PaymentStatus
from domain.refund import RefundObservation, RefundReason, RefundStatus

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PAYMENT_ID = "pay_1"
STORE_ID = "store_1"
ORDER_ID = "order_1"


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def money(amount: str, currency: str = "EUR") -> Money:
    return Money.parse(amount, currency)


def new_payment(total: Money | None = None, percentage: str = "2.5") -> Payment:
    """A payment of EUR 100.00 at 2.5 % unless said: a platform fee of EUR 2.50."""
    total = money("100.00") if total is None else total
    policy = FeePolicy.build(percentage, total.currency)
    return Payment.start(
        payment_id=PAYMENT_ID,
        store_id=STORE_ID,
        order_id=ORDER_ID,
        breakdown=policy.breakdown(total),
        created_at=T0,
    )


def paid_payment(total: Money | None = None, percentage: str = "2.5") -> Payment:
    """A payment whose success was observed at minute 1, its events and entries already taken."""
    payment = new_payment(total, percentage)
    payment.observe_intent(succeeded(1))
    payment.pull_events()
    payment.pull_ledger_entries()
    return payment


def intent(
    state: IntentState,
    minute: int,
    *,
    charge_id: str | None = None,
    failure_reason: str | None = None,
) -> IntentObservation:
    return IntentObservation(
        state=state, observed_at=at(minute), charge_id=charge_id, failure_reason=failure_reason
    )


def succeeded(minute: int, charge_id: str = "ch_1") -> IntentObservation:
    return intent(IntentState.SUCCEEDED, minute, charge_id=charge_id)


def refund_seen(
    gateway_refund_id: str,
    amount: Money,
    status: RefundStatus,
    minute: int,
    *,
    refund_id: str | None = None,
    failure_reason: str | None = None,
    reason: RefundReason | None = None,
) -> RefundObservation:
    return RefundObservation(
        gateway_refund_id=gateway_refund_id,
        amount=amount,
        status=status,
        observed_at=at(minute),
        refund_id=refund_id,
        failure_reason=failure_reason,
        reason=reason,
    )


def dispute_seen(
    dispute_id: str,
    amount: Money,
    status: DisputeStatus,
    minute: int,
    *,
    reason: str | None = None,
) -> DisputeObservation:
    return DisputeObservation(
        dispute_id=dispute_id, amount=amount, status=status, observed_at=at(minute), reason=reason
    )


def status_changed(
    minute: int, previous: PaymentStatus, current: PaymentStatus
) -> PaymentStatusChanged:
    return PaymentStatusChanged(
        occurred_at=at(minute),
        payment_id=PAYMENT_ID,
        store_id=STORE_ID,
        order_id=ORDER_ID,
        previous=previous,
        current=current,
    )


def entry(kind: EntryKind, amount: Money, reference: str, minute: int) -> LedgerEntry:
    return LedgerEntry(
        store_id=STORE_ID,
        payment_id=PAYMENT_ID,
        kind=kind,
        amount=amount,
        reference=reference,
        occurred_at=at(minute),
    )


# -- hypothesis strategies -----------------------------------------------------------------------

DECIMAL_ROUNDING = {
    Rounding.HALF_UP: decimal.ROUND_HALF_UP,
    Rounding.HALF_DOWN: decimal.ROUND_HALF_DOWN,
    Rounding.HALF_EVEN: decimal.ROUND_HALF_EVEN,
    Rounding.UP: decimal.ROUND_UP,
    Rounding.DOWN: decimal.ROUND_DOWN,
    Rounding.CEILING: decimal.ROUND_CEILING,
    Rounding.FLOOR: decimal.ROUND_FLOOR,
}

roundings = st.sampled_from(list(Rounding))
percentages = st.integers(min_value=0, max_value=1_000_000).map(
    lambda ten_thousandths: Percentage(Decimal(ten_thousandths).scaleb(-4))
)


@st.composite
def fee_policies(draw: st.DrawFn, currency: Currency) -> FeePolicy:
    """Any valid policy for payments in ``currency``, now and then one without fixed amounts
    written in another currency."""
    if draw(st.integers(0, 9)) == 0:
        euro = Currency.of("EUR")
        return FeePolicy(
            percentage=draw(percentages),
            fixed_amount=Money.zero(euro),
            minimum_fee=Money.zero(euro),
            rounding=draw(roundings),
        )
    step = currency.charge_step
    in_steps = st.integers(min_value=0, max_value=2_000).map(lambda n: Money(n * step, currency))
    minimum = draw(in_steps)
    maximum = draw(st.none() | in_steps.map(lambda extra: minimum + extra))
    return FeePolicy(
        percentage=draw(percentages),
        fixed_amount=draw(in_steps),
        minimum_fee=minimum,
        maximum_fee=maximum,
        rounding=draw(roundings),
    )


def chargeable_amounts(currency: Currency, maximum: int = 99_999_999) -> st.SearchStrategy[Money]:
    step = currency.charge_step
    lowest = -(-currency.minimum_charge // step)
    return st.integers(min_value=lowest, max_value=maximum // step).map(
        lambda steps: Money(steps * step, currency)
    )
