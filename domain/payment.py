"""The payment aggregate: one shopper's payment of one order, and the money that follows it.

The gateway is the source of truth for what happened to the money; the payment applies what the
gateway reports as *observations*. Applying an observation twice changes nothing, and the order in
which observations arrive does not change where the payment ends up: each part of the state keeps
the observation that outranks the others (a success outranks every failure, a later attempt
outranks an earlier one), so a late ``payment_failed`` after a success is recognised and ignored.

Commands (asking for a refund) are guarded: an illegal one raises and changes nothing. Every
accepted change records domain events and ledger entries; whoever saves the payment pulls them
and hands them to the same unit of work (its ledger and its outbox), to commit with the change.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from domain.dispute import Dispute, DisputeObservation, DisputeStatus
from domain.errors import (
    ConflictingObservation,
    CurrencyMismatch,
    DuplicateRefund,
    IllegalTransition,
    PaymentNotRefundable,
    RefundExceedsRemaining,
    UnknownRefund,
)
from domain.events import (
    DisputeStatusChanged,
    DomainEvent,
    PaymentFailed,
    PaymentStatusChanged,
    PaymentSucceeded,
    RefundRequested,
    RefundStatusChanged,
)
from domain.fees import FeeBreakdown, fee_refund_for
from domain.ledger import EntryKind, LedgerEntry
from domain.money import Money
from domain.refund import Refund, RefundObservation, RefundReason, RefundStatus


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    FAILED = "failed"
    CANCELED = "canceled"
    DISPUTED = "disputed"

    @property
    def is_paid(self) -> bool:
        """The shopper's money was captured (whatever happened to it afterwards)."""
        return self in _PAID

    @property
    def is_open(self) -> bool:
        """The payment can still move without the money having been captured."""
        return self in _AWAITING_OUTCOME


_AWAITING_OUTCOME = frozenset(
    {
        PaymentStatus.PENDING,
        PaymentStatus.REQUIRES_ACTION,
        PaymentStatus.PROCESSING,
        PaymentStatus.FAILED,
    }
)
_PAID = frozenset(
    {
        PaymentStatus.SUCCEEDED,
        PaymentStatus.PARTIALLY_REFUNDED,
        PaymentStatus.REFUNDED,
        PaymentStatus.DISPUTED,
    }
)

# Every move the payment may make. A failed attempt may be retried; a cancellation is final
# unless the gateway reports that money moved anyway (money is a fact, a cancellation a wish);
# a succeeded refund can fail later and a won dispute gives the money back.
ALLOWED_TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    **{
        status: (_AWAITING_OUTCOME | {PaymentStatus.CANCELED} | _PAID) - {status}
        for status in _AWAITING_OUTCOME
    },
    PaymentStatus.CANCELED: _PAID,
    **{status: _PAID - {status} for status in _PAID},
}


class IntentState(enum.StrEnum):
    """Where the gateway's payment attempt stands."""

    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    FAILED = "failed"
    CANCELED = "canceled"
    SUCCEEDED = "succeeded"

    @classmethod
    def from_gateway_status(cls, status: str, *, attempt_failed: bool = False) -> IntentState:
        """Map a PaymentIntent status.

        A failed attempt returns the intent to ``requires_payment_method``.
        """
        if status in ("requires_payment_method", "requires_confirmation"):
            return cls.FAILED if attempt_failed else cls.PENDING
        try:
            return _GATEWAY_INTENT_STATES[status]
        except KeyError:
            raise ValueError(f"unknown payment intent status {status!r}") from None


_GATEWAY_INTENT_STATES = {
    "requires_action": IntentState.REQUIRES_ACTION,
    "processing": IntentState.PROCESSING,
    "requires_capture": IntentState.PROCESSING,
    "succeeded": IntentState.SUCCEEDED,
    "canceled": IntentState.CANCELED,
}
# Within one instant, the later stage of an attempt wins: a 3-D Secure step ends in a failure
# or in processing, and processing ends in a failure or a success.
_STAGE = {
    IntentState.PENDING: 0,
    IntentState.REQUIRES_ACTION: 1,
    IntentState.PROCESSING: 2,
    IntentState.FAILED: 3,
    IntentState.CANCELED: 4,
    IntentState.SUCCEEDED: 5,
}
_INTENT_STATUS = {
    IntentState.PENDING: PaymentStatus.PENDING,
    IntentState.REQUIRES_ACTION: PaymentStatus.REQUIRES_ACTION,
    IntentState.PROCESSING: PaymentStatus.PROCESSING,
    IntentState.FAILED: PaymentStatus.FAILED,
    IntentState.CANCELED: PaymentStatus.CANCELED,
    IntentState.SUCCEEDED: PaymentStatus.SUCCEEDED,
}


@dataclass(frozen=True, slots=True)
class IntentObservation:
    """The gateway's report of the payment attempt at ``observed_at``."""

    state: IntentState
    observed_at: datetime
    charge_id: str | None = None
    failure_reason: str | None = None

    def outranks(self, other: IntentObservation) -> bool:
        return self._precedence() > other._precedence()

    def _precedence(self) -> tuple[int, datetime, int, str, str]:
        # Success outranks everything, then cancellation; between attempts still in flight,
        # the most recent report wins. The last two fields only make the order total.
        tier = {IntentState.SUCCEEDED: 2, IntentState.CANCELED: 1}.get(self.state, 0)
        return (
            tier,
            self.observed_at,
            _STAGE[self.state],
            self.failure_reason or "",
            self.charge_id or "",
        )


@dataclass(eq=False)
class Payment:
    id: str
    store_id: str
    order_id: str
    breakdown: FeeBreakdown
    created_at: datetime
    payment_intent_id: str | None = None
    status: PaymentStatus = PaymentStatus.PENDING
    latest_intent: IntentObservation | None = None
    charge_id: str | None = None  # the charge that succeeded
    paid_at: datetime | None = None
    refunds: list[Refund] = field(default_factory=list)
    disputes: list[Dispute] = field(default_factory=list)
    _events: list[DomainEvent] = field(default_factory=list, repr=False)
    _entries: list[LedgerEntry] = field(default_factory=list, repr=False)

    # -- reading ------------------------------------------------------------------------------

    @property
    def amount_total(self) -> Money:
        return self.breakdown.total

    @property
    def amount_platform_fee(self) -> Money:
        return self.breakdown.platform_fee

    @property
    def amount_store(self) -> Money:
        return self.breakdown.store_amount

    @property
    def failure_reason(self) -> str | None:
        if self.status is PaymentStatus.FAILED and self.latest_intent is not None:
            return self.latest_intent.failure_reason
        return None

    @property
    def amount_refunded(self) -> Money:
        """Money that went back to the shopper through succeeded refunds."""
        return self._sum(r.amount for r in self.refunds if r.status is RefundStatus.SUCCEEDED)

    @property
    def platform_fee_refunded(self) -> Money:
        return self._sum(
            r.platform_fee_refunded for r in self.refunds if r.status is RefundStatus.SUCCEEDED
        )

    @property
    def amount_disputed(self) -> Money:
        return self._sum(d.amount for d in self.disputes if d.status.holds_funds)

    @property
    def refundable_amount(self) -> Money:
        """What a new refund may still take: neither refunded, being refunded nor disputed."""
        if not self.status.is_paid:
            return Money.zero(self.amount_total.currency)
        return (self.amount_total - self._taken_by_refunds() - self.amount_disputed).max(
            Money.zero(self.amount_total.currency)
        )

    def refund(self, refund_id: str) -> Refund:
        for refund in self.refunds:
            if refund.id == refund_id:
                return refund
        raise UnknownRefund(f"payment {self.id} has no refund {refund_id}")

    def pull_events(self) -> list[DomainEvent]:
        events, self._events = self._events, []
        return events

    def pull_ledger_entries(self) -> list[LedgerEntry]:
        entries, self._entries = self._entries, []
        return entries

    # -- commands -----------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        *,
        payment_id: str,
        store_id: str,
        order_id: str,
        breakdown: FeeBreakdown,
        created_at: datetime,
    ) -> Payment:
        breakdown.total.check_chargeable()
        return cls(
            id=payment_id,
            store_id=store_id,
            order_id=order_id,
            breakdown=breakdown,
            created_at=created_at,
        )

    def attach_intent(self, payment_intent_id: str) -> None:
        if self.payment_intent_id not in (None, payment_intent_id):
            raise IllegalTransition(f"payment {self.id} already has a payment intent")
        self.payment_intent_id = payment_intent_id

    def check_cancelable(self) -> None:
        if not self.status.is_open:
            raise IllegalTransition(f"a {self.status} payment cannot be canceled")

    def request_refund(
        self,
        *,
        refund_id: str,
        requested_at: datetime,
        amount: Money | None = None,
        reason: RefundReason | None = None,
    ) -> Refund:
        """Reserve a refund of ``amount`` (by default all that is left) and its fee share."""
        if any(refund.id == refund_id for refund in self.refunds):
            raise DuplicateRefund(f"payment {self.id} already has a refund {refund_id}")
        if self.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED):
            raise PaymentNotRefundable(f"a {self.status} payment cannot be refunded")
        left = self.refundable_amount
        if amount is None:
            amount = left
        if amount.currency != self.amount_total.currency:
            raise CurrencyMismatch(
                f"the payment is in {self.amount_total.currency.code}, not {amount.currency.code}"
            )
        if left.is_zero:
            raise PaymentNotRefundable("nothing is left to refund")
        if amount > left:
            raise RefundExceedsRemaining(f"{amount} is more than the {left} left to refund")
        amount.check_transferable()
        refund = Refund(
            id=refund_id,
            amount=amount,
            platform_fee_refunded=self._fee_share_of(amount),
            status=RefundStatus.PENDING,
            created_at=requested_at,
            reason=reason,
        )
        self.refunds.append(refund)
        self._record(
            RefundRequested(
                occurred_at=requested_at,
                payment_id=self.id,
                store_id=self.store_id,
                refund_id=refund.id,
                amount=refund.amount,
                platform_fee_refunded=refund.platform_fee_refunded,
            )
        )
        self._settle(requested_at)
        return refund

    def attach_gateway_refund(self, refund_id: str, gateway_refund_id: str) -> None:
        refund = self.refund(refund_id)
        if refund.gateway_refund_id not in (None, gateway_refund_id):
            raise ConflictingObservation(f"refund {refund_id} is already known to the gateway")
        refund.gateway_refund_id = gateway_refund_id

    def abandon_refund(self, refund_id: str, *, reason: str, at: datetime) -> None:
        """The gateway refused a refund it never created: it fails and gives its amount back."""
        refund = self.refund(refund_id)
        if refund.gateway_refund_id is not None:
            raise IllegalTransition(f"refund {refund_id} exists at the gateway; await its report")
        if refund.status is RefundStatus.PENDING:
            self._move_refund(refund, RefundStatus.FAILED, reason, at)
        self._settle(at)

    # -- observations -------------------------------------------------------------------------

    def observe_intent(self, observation: IntentObservation) -> None:
        if observation.state is IntentState.SUCCEEDED:
            if self.paid_at is None or observation.observed_at < self.paid_at:
                self.paid_at = observation.observed_at
            if observation.charge_id is not None and (
                self.charge_id is None or observation.charge_id < self.charge_id
            ):
                self.charge_id = observation.charge_id
        attempt_failed = False
        if self.latest_intent is None or observation.outranks(self.latest_intent):
            self.latest_intent = observation
            attempt_failed = observation.state is IntentState.FAILED
        self._settle(observation.observed_at)
        if attempt_failed:
            self._record(
                PaymentFailed(
                    occurred_at=observation.observed_at,
                    payment_id=self.id,
                    store_id=self.store_id,
                    order_id=self.order_id,
                    reason=observation.failure_reason,
                )
            )

    def observe_refund(self, observation: RefundObservation) -> None:
        """Apply the gateway's report of a refund, ours or one made elsewhere (a dashboard)."""
        self._imply_success(observation.observed_at)
        refund = self._find_refund(observation)
        if refund is None:
            if observation.amount > self.amount_total - self._taken_by_refunds():
                raise ConflictingObservation(
                    f"a refund of {observation.amount} exceeds what payment {self.id} holds"
                )
            refund = Refund(
                id=observation.refund_id or observation.gateway_refund_id,
                amount=observation.amount,
                platform_fee_refunded=Money.zero(self.amount_total.currency),
                status=RefundStatus.PENDING,
                created_at=observation.observed_at,
                reason=observation.reason,
                gateway_refund_id=observation.gateway_refund_id,
                fee_share_fixed=False,
            )
            self.refunds.append(refund)
        elif refund.amount != observation.amount:
            raise ConflictingObservation(
                f"refund {refund.id} is for {refund.amount}, the gateway reports "
                f"{observation.amount}"
            )
        elif refund.gateway_refund_id not in (None, observation.gateway_refund_id):
            raise ConflictingObservation(
                f"refund {refund.id} is gateway refund {refund.gateway_refund_id}, "
                f"not {observation.gateway_refund_id}"
            )
        refund.gateway_refund_id = observation.gateway_refund_id
        if not refund.fee_share_fixed:
            refund.created_at = min(refund.created_at, observation.observed_at)
        if observation.status.rank > refund.status.rank:
            self._move_refund(
                refund, observation.status, observation.failure_reason, observation.observed_at
            )
        self._settle(observation.observed_at)

    def observe_dispute(self, observation: DisputeObservation) -> None:
        if observation.amount.currency != self.amount_total.currency or (
            observation.amount > self.amount_total - self.amount_refunded
        ):
            raise ConflictingObservation(
                f"a dispute of {observation.amount} exceeds what the shopper paid and was not "
                f"refunded on payment {self.id}"
            )
        self._imply_success(observation.observed_at)
        dispute = next((d for d in self.disputes if d.id == observation.dispute_id), None)
        previous: DisputeStatus | None = None
        if dispute is None:
            dispute = Dispute(
                id=observation.dispute_id,
                amount=observation.amount,
                status=observation.status,
                opened_at=observation.observed_at,
                platform_fee_returned=Money.zero(self.amount_total.currency),
                reason=observation.reason,
            )
            self.disputes.append(dispute)
        elif observation.status.rank > dispute.status.rank:
            previous = dispute.status
            dispute.status = observation.status
        else:
            dispute.opened_at = min(dispute.opened_at, observation.observed_at)
            self._settle(observation.observed_at)
            return
        dispute.opened_at = min(dispute.opened_at, observation.observed_at)
        self._record(
            DisputeStatusChanged(
                occurred_at=observation.observed_at,
                payment_id=self.id,
                store_id=self.store_id,
                dispute_id=dispute.id,
                amount=dispute.amount,
                previous=previous,
                current=dispute.status,
            )
        )
        self._settle(observation.observed_at)

    # -- internals ----------------------------------------------------------------------------

    def _imply_success(self, at: datetime) -> None:
        """A refund or a dispute proves the charge succeeded, even before its own report."""
        self.observe_intent(IntentObservation(state=IntentState.SUCCEEDED, observed_at=at))

    def _move_refund(
        self, refund: Refund, status: RefundStatus, failure_reason: str | None, at: datetime
    ) -> None:
        previous = refund.status
        refund.status = status
        refund.failure_reason = failure_reason
        self._record(
            RefundStatusChanged(
                occurred_at=at,
                payment_id=self.id,
                store_id=self.store_id,
                refund_id=refund.id,
                previous=previous,
                current=status,
            )
        )

    def _find_refund(self, observation: RefundObservation) -> Refund | None:
        for refund in self.refunds:
            if refund.gateway_refund_id == observation.gateway_refund_id:
                return refund
            if observation.refund_id is not None and refund.id == observation.refund_id:
                return refund
        return None

    def _sum(self, amounts: Iterable[Money]) -> Money:
        total = Money.zero(self.amount_total.currency)
        for amount in amounts:
            total += amount
        return total

    def _taken_by_refunds(self) -> Money:
        return self._sum(r.amount for r in self.refunds if r.status.holds_amount)

    def _fee_share_of(self, amount: Money) -> Money:
        """The fee share of a new refund, taken back after everything taken back so far."""
        fixed, shares = self._derived_fee_shares()
        standing = [r for r in fixed if r.takes_back]
        taken = self._sum(r.amount for r in standing) + self._sum(
            take.amount for take, _ in shares if take.takes_back
        )
        returned = self._sum(r.platform_fee_refunded for r in standing) + self._sum(
            share for _, share in shares
        )
        zero = Money.zero(self.amount_total.currency)
        left = (self.amount_total - taken).max(zero)
        return fee_refund_for(
            self.breakdown,
            already_taken=self.amount_total - left,
            fee_already_returned=returned,
            amount=amount.min(left),
        )

    def _derive_status(self) -> PaymentStatus:
        if self.latest_intent is None:
            return PaymentStatus.PENDING
        status = _INTENT_STATUS[self.latest_intent.state]
        if status is not PaymentStatus.SUCCEEDED:
            return status
        if any(d.status.holds_funds for d in self.disputes):
            return PaymentStatus.DISPUTED
        refunded = self.amount_refunded
        if refunded.is_zero:
            return PaymentStatus.SUCCEEDED
        if refunded >= self.amount_total:
            return PaymentStatus.REFUNDED
        return PaymentStatus.PARTIALLY_REFUNDED

    def _settle(self, at: datetime) -> None:
        """Bring status, ledger and fee shares in line with what is now known."""
        new_status = self._derive_status()
        if new_status is not self.status:
            if new_status not in ALLOWED_TRANSITIONS[self.status]:
                raise IllegalTransition(f"a {self.status} payment cannot become {new_status}")
            previous, self.status = self.status, new_status
            self._record(
                PaymentStatusChanged(
                    occurred_at=at,
                    payment_id=self.id,
                    store_id=self.store_id,
                    order_id=self.order_id,
                    previous=previous,
                    current=new_status,
                )
            )
            if new_status.is_paid and not previous.is_paid:
                self._post_charge(at)
        standing, shares = self._derived_fee_shares()
        for take, share in shares:
            if isinstance(take, Refund):
                self._settle_refund(take, share, at)
            else:
                self._settle_dispute(take, share, at)
        for refund in standing:
            self._settle_refund(refund, refund.platform_fee_refunded, at)

    def _post_charge(self, at: datetime) -> None:
        self._post(EntryKind.CHARGE, self.amount_total, self.id, at)
        self._post(EntryKind.PLATFORM_FEE, self.amount_platform_fee, self.id, at)
        self._record(
            PaymentSucceeded(
                occurred_at=at,
                payment_id=self.id,
                store_id=self.store_id,
                order_id=self.order_id,
                amount=self.amount_total,
                platform_fee=self.amount_platform_fee,
            )
        )

    def _derived_fee_shares(self) -> tuple[list[Refund], list[tuple[Refund | Dispute, Money]]]:
        """The refunds whose fee share is fixed, and the fee share every other take should have.

        Refunds asked for here keep the share they were given. Refunds first reported by the
        gateway and disputes come after them, in the order the gateway first saw them, each
        sharing the fee as if it were taken back last; so the shares are the same whatever order
        the reports arrived in, and a payment taken back in full returns exactly its whole fee.
        """
        zero = Money.zero(self.amount_total.currency)
        fixed = [refund for refund in self.refunds if refund.fee_share_fixed]
        taken = self._sum(r.amount for r in fixed if r.takes_back)
        returned = self._sum(r.platform_fee_refunded for r in fixed if r.takes_back)
        derived: list[Refund | Dispute] = [r for r in self.refunds if not r.fee_share_fixed]
        derived.extend(self.disputes)
        derived.sort(key=lambda take: (take.first_seen_at, take.id))
        shares: list[tuple[Refund | Dispute, Money]] = []
        for take in derived:
            base = take.amount.min(self.amount_total - taken).max(zero) if take.takes_back else zero
            share = fee_refund_for(
                self.breakdown, already_taken=taken, fee_already_returned=returned, amount=base
            )
            taken += base
            returned += share
            shares.append((take, share))
        return fixed, shares

    def _settle_refund(self, refund: Refund, share: Money, at: datetime) -> None:
        """Post what changed: the refund itself once it succeeds (or fails after), and its share."""
        zero = Money.zero(self.amount_total.currency)
        settled = refund.status is RefundStatus.SUCCEEDED
        if settled and not refund.settled:
            self._post(EntryKind.REFUND, refund.amount, refund.id, at)
        elif refund.settled and not settled:
            self._post(EntryKind.REFUND_REVERSAL, refund.amount, refund.id, at)
        posted = refund.platform_fee_refunded if refund.settled else zero
        self._post_fee_change(posted, share if settled else zero, refund.id, at)
        refund.settled = settled
        refund.platform_fee_refunded = share

    def _settle_dispute(self, dispute: Dispute, share: Money, at: datetime) -> None:
        """Withdraw or return the disputed funds, and give the fee share back with them."""
        if dispute.takes_back and not dispute.funds_withdrawn:
            self._post(EntryKind.DISPUTE, dispute.amount, dispute.id, at)
        elif dispute.funds_withdrawn and not dispute.takes_back:
            self._post(EntryKind.DISPUTE_REVERSAL, dispute.amount, dispute.id, at)
        dispute.funds_withdrawn = dispute.takes_back
        self._post_fee_change(dispute.platform_fee_returned, share, dispute.id, at)
        dispute.platform_fee_returned = share

    def _post_fee_change(self, posted: Money, wanted: Money, reference: str, at: datetime) -> None:
        change = wanted - posted
        if change.is_positive:
            self._post(EntryKind.FEE_REFUND, change, reference, at)
        elif change.is_negative:
            self._post(EntryKind.FEE_REFUND_REVERSAL, -change, reference, at)

    def _post(self, kind: EntryKind, amount: Money, reference: str, at: datetime) -> None:
        if amount.is_zero:
            return
        self._entries.append(
            LedgerEntry(
                store_id=self.store_id,
                payment_id=self.id,
                kind=kind,
                amount=amount,
                reference=reference,
                occurred_at=at,
            )
        )

    def _record(self, event: DomainEvent) -> None:
        self._events.append(event)
