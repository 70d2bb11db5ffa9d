"""The marketplace the payment scenarios tell their stories about, run on the domain model.

Steps talk to a ``Marketplace`` only through its methods, so the same scenarios can later run
against another backend offering the same methods.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from domain.dispute import DisputeObservation, DisputeStatus
from domain.events import DomainEvent
from domain.fees import FeeBreakdown, FeePolicy
from domain.ledger import (
    LedgerEntry,
    Party,
    PlatformFees,
    StoreBalance,
    platform_fees,
    positions,
    store_balances,
)
from domain.money import Money
from domain.payment import IntentObservation, IntentState, Payment, PaymentStatus
from domain.refund import Refund, RefundObservation, RefundStatus

from .wording import STORY_START

STORE = "store"
_Total = TypeVar("_Total", StoreBalance, PlatformFees)

Report = Callable[[], None]
"""A gateway report, ready to be delivered to the marketplace."""


@dataclass(frozen=True)
class PaymentState:
    """What an analyst can see of one payment: its status and the money still in play."""

    status: PaymentStatus
    refundable: Money
    refunds: tuple[tuple[Money, Money, RefundStatus], ...]
    disputes: tuple[tuple[Money, DisputeStatus, Money], ...]


@dataclass(frozen=True)
class Snapshot:
    """Everything a payments analyst can observe of the marketplace."""

    payments: tuple[PaymentState, ...]
    ledger_entries: int
    events: int


@dataclass
class Marketplace:
    """One store's payments under the platform's fee policy, and the ledger they produce."""

    fee_policy: FeePolicy | None = None
    payments: list[Payment] = field(default_factory=list)
    entries: list[LedgerEntry] = field(default_factory=list)
    events: list[DomainEvent] = field(default_factory=list)
    before: Snapshot | None = None
    last_report: Report | None = None
    now: datetime = STORY_START
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _dispute: tuple[str, Money] | None = None

    # -- reading ------------------------------------------------------------------------------

    @property
    def payment(self) -> Payment:
        """The payment the story is about: the one started last."""
        assert self.payments, "the story has not started a payment"
        return self.payments[-1]

    @property
    def latest_refund(self) -> Refund:
        """The refund the story is about: the last one of the payment."""
        assert self.payment.refunds, "the payment has no refund"
        return self.payment.refunds[-1]

    def entries_of(self, payment: Payment) -> list[LedgerEntry]:
        return [entry for entry in self.entries if entry.payment_id == payment.id]

    def store_balance(self, currency: str) -> StoreBalance:
        return _in_currency(store_balances(self.entries), currency)

    def platform_fees(self, currency: str) -> PlatformFees:
        return _in_currency(platform_fees(self.entries), currency)

    def balance_currencies(self) -> list[str]:
        return [balance.currency.code for balance in store_balances(self.entries)]

    def holdings(self, currency: str) -> dict[Party, Money]:
        """What the shopper, the store and the platform each gained (or gave, when negative)."""
        return {
            party: held
            for (party, in_currency), held in positions(self.entries).items()
            if in_currency.code == currency
        }

    def snapshot(self) -> Snapshot:
        return Snapshot(
            payments=tuple(_state_of(payment) for payment in self.payments),
            ledger_entries=len(self.entries),
            events=len(self.events),
        )

    def remember(self) -> None:
        """Keep what can be seen now, to tell later whether an action changed anything."""
        self.before = self.snapshot()

    # -- what shoppers and stores do ----------------------------------------------------------

    def quote(self, total: Money) -> FeeBreakdown:
        """How a payment of ``total`` would divide between the platform and the store."""
        assert self.fee_policy is not None, "the story has no fee policy"
        return self.fee_policy.breakdown(total)

    def start_payment(self, total: Money) -> Payment:
        number = next(self._numbers)
        payment = Payment.start(
            payment_id=f"payment-{number}",
            store_id=STORE,
            order_id=f"order-{number}",
            breakdown=self.quote(total),
            created_at=self.tick(),
        )
        payment.attach_intent(f"intent-{number}")
        self.payments.append(payment)
        self._collect()
        return payment

    def cancel(self) -> None:
        self.payment.check_cancelable()
        self.payment.observe_intent(
            IntentObservation(state=IntentState.CANCELED, observed_at=self.tick())
        )
        self._collect()

    def request_refund(self, amount: Money | None) -> None:
        """The store asks for a refund of ``amount``, or of all that is left."""
        self._request_refund(amount)
        self._collect()

    def refund(self, amount: Money | None) -> None:
        """The store refunds ``amount`` (or all that is left) and the gateway completes it."""
        self._request_refund(amount)
        self.refund_report(RefundStatus.SUCCEEDED)()
        self._collect()

    # -- what the gateway reports -------------------------------------------------------------

    def payment_report(
        self, state: IntentState, at: datetime | None = None, failure_reason: str | None = None
    ) -> Report:
        payment = self.payment
        observation = IntentObservation(
            state=state,
            observed_at=self.tick(at),
            charge_id=f"charge-{payment.id}" if state is IntentState.SUCCEEDED else None,
            failure_reason=failure_reason,
        )
        return lambda: payment.observe_intent(observation)

    def refund_report(self, status: RefundStatus, at: datetime | None = None) -> Report:
        payment, refund = self.payment, self.latest_refund
        assert refund.gateway_refund_id is not None
        observation = RefundObservation(
            gateway_refund_id=refund.gateway_refund_id,
            amount=refund.amount,
            status=status,
            observed_at=self.tick(at),
            refund_id=refund.id,
        )
        return lambda: payment.observe_refund(observation)

    def refund_made_at_gateway(self, amount: Money, at: datetime | None = None) -> Report:
        payment = self.payment
        observation = RefundObservation(
            gateway_refund_id=f"gateway-refund-{next(self._numbers)}",
            amount=amount,
            status=RefundStatus.SUCCEEDED,
            observed_at=self.tick(at),
        )
        return lambda: payment.observe_refund(observation)

    def dispute_opened(self, amount: Money, at: datetime | None = None) -> Report:
        self._dispute = (f"dispute-{next(self._numbers)}", amount)
        return self.dispute_report(DisputeStatus.OPEN, at)

    def dispute_report(self, status: DisputeStatus, at: datetime | None = None) -> Report:
        assert self._dispute is not None, "no dispute was opened"
        payment, (dispute_id, amount) = self.payment, self._dispute
        observation = DisputeObservation(
            dispute_id=dispute_id, amount=amount, status=status, observed_at=self.tick(at)
        )
        return lambda: payment.observe_dispute(observation)

    def deliver(self, report: Report) -> None:
        self.last_report = report
        report()
        self._collect()

    # -- internals ----------------------------------------------------------------------------

    def tick(self, at: datetime | None = None) -> datetime:
        """When the next thing happens: ``at`` if the story says, else a minute after the last."""
        if at is None:
            self.now += timedelta(minutes=1)
            return self.now
        self.now = max(self.now, at)
        return at

    def _request_refund(self, amount: Money | None) -> None:
        number = next(self._numbers)
        refund = self.payment.request_refund(
            refund_id=f"refund-{number}", requested_at=self.tick(), amount=amount
        )
        self.payment.attach_gateway_refund(refund.id, f"gateway-refund-{number}")

    def _collect(self) -> None:
        for payment in self.payments:
            self.entries.extend(payment.pull_ledger_entries())
            self.events.extend(payment.pull_events())


def _state_of(payment: Payment) -> PaymentState:
    return PaymentState(
        status=payment.status,
        refundable=payment.refundable_amount,
        refunds=tuple((r.amount, r.platform_fee_refunded, r.status) for r in payment.refunds),
        disputes=tuple((d.amount, d.status, d.platform_fee_returned) for d in payment.disputes),
    )


def _in_currency(totals: Sequence[_Total], currency: str) -> _Total:
    found = [total for total in totals if total.currency.code == currency]
    assert found, f"nothing was booked in {currency}"
    return found[0]
