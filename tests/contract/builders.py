"""Aggregates with every field filled in, and helpers to store them and compare them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from application.ports import (
    IdempotencyRecord,
    InboxEvent,
    InboxStatus,
    UnitOfWork,
    UnitOfWorkFactory,
)
from domain.account import AccountSnapshot
from domain.currency import Currency
from domain.dispute import DisputeObservation, DisputeStatus
from domain.fees import FeePolicy, Percentage
from domain.ledger import EntryKind, LedgerEntry
from domain.money import Money, Rounding
from domain.order import Order
from domain.payment import IntentObservation, IntentState, Payment, PaymentStatus
from domain.payment_method import SavedPaymentMethod
from domain.payout import PayoutInterval, PayoutSchedule
from domain.refund import RefundObservation, RefundReason, RefundStatus
from domain.store import Store, hash_api_key

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EMAIL = "shopper@example.com"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def money(amount: str, currency: str = "EUR") -> Money:
    return Money.parse(amount, currency)


# -- stores -------------------------------------------------------------------------------------


def a_store(store_id: str = "store_a", *, currency: str = "EUR") -> Store:
    return Store.open(
        store_id=store_id,
        name=f"Shop {store_id}",
        business_email=f"owner@{store_id}.example",
        country="fr",
        currency=Currency.of(currency),
        api_key_hash=hash_api_key(f"sk_{store_id}"),
        fee_percentage=Percentage.parse("2.5"),
        created_at=T0,
    )


def a_connected_store(store_id: str = "store_a", *, account_id: str = "acct_a") -> Store:
    """A store with every optional part set: phone, account and snapshot, fees and payouts."""
    store = a_store(store_id)
    store.business_phone = "+33 1 23 45 67 89"
    store.set_fee_policy(
        FeePolicy(
            percentage=Percentage.parse("2.9"),
            fixed_amount=money("0.30"),
            minimum_fee=money("0.50"),
            maximum_fee=money("20.00"),
            rounding=Rounding.HALF_EVEN,
        )
    )
    store.change_payouts(
        schedule=PayoutSchedule(PayoutInterval.MONTHLY, monthly_anchor=31),
        minimum_payout=money("25.00"),
    )
    account = store.connect(account_id, at(1))
    account.observe(
        AccountSnapshot(
            charges_enabled=True,
            payouts_enabled=False,
            details_submitted=True,
            observed_at=at(2),
            currently_due=("external_account", "tos_acceptance.date"),
            past_due=("external_account",),
            disabled_reason="requirements.past_due",
        )
    )
    account.pull_events()
    return store


# -- orders and payments ------------------------------------------------------------------------


def an_order(
    order_id: str = "order_1",
    store_id: str = "store_a",
    *,
    reference: str | None = None,
    total: str = "100.00",
    currency: str = "EUR",
) -> Order:
    return Order.register(
        order_id=order_id,
        store_id=store_id,
        reference=reference or f"ref-{order_id}",
        customer_email=EMAIL,
        amount=money(total, currency),
        created_at=T0,
    )


def a_payment(
    payment_id: str = "pay_1",
    store_id: str = "store_a",
    order_id: str = "order_1",
    *,
    minute: float = 0,
    total: str = "100.00",
    currency: str = "EUR",
    intent_id: str | None = None,
) -> Payment:
    payment = Payment.start(
        payment_id=payment_id,
        store_id=store_id,
        order_id=order_id,
        breakdown=FeePolicy.build("2.5", currency).breakdown(money(total, currency)),
        created_at=at(minute),
    )
    if intent_id is not None:
        payment.attach_intent(intent_id)
    return payment


def with_their_orders(*payments: Payment) -> list[Order | Payment]:
    """The payments, each after an order of its own (made here): an order holds one open payment
    at most, so payments listed side by side belong to different orders."""
    orders = {(p.store_id, p.order_id): an_order(p.order_id, p.store_id) for p in payments}
    return [*orders.values(), *payments]


def settled(payment: Payment) -> Payment:
    """The payment with its pending events and ledger entries taken, as a use case saves it."""
    payment.pull_events()
    payment.pull_ledger_entries()
    return payment


def in_status(payment: Payment, status: PaymentStatus) -> Payment:
    """The payment driven to ``status`` through the gateway's reports, one hour after creation."""
    seen = payment.created_at + timedelta(hours=1)
    states = {
        PaymentStatus.REQUIRES_ACTION: IntentState.REQUIRES_ACTION,
        PaymentStatus.PROCESSING: IntentState.PROCESSING,
        PaymentStatus.FAILED: IntentState.FAILED,
        PaymentStatus.CANCELED: IntentState.CANCELED,
    }
    if status in states:
        payment.observe_intent(
            IntentObservation(states[status], seen, failure_reason="card_declined")
        )
    elif status is not PaymentStatus.PENDING:
        payment.observe_intent(
            IntentObservation(IntentState.SUCCEEDED, seen, charge_id=f"ch_{payment.id}")
        )
        if status is PaymentStatus.REFUNDED:
            refund = payment.request_refund(refund_id=f"re_{payment.id}", requested_at=seen)
            payment.observe_refund(
                RefundObservation(
                    f"gre_{payment.id}", refund.amount, RefundStatus.SUCCEEDED, seen, refund.id
                )
            )
        elif status is PaymentStatus.DISPUTED:
            payment.observe_dispute(
                DisputeObservation(
                    f"dp_{payment.id}", payment.amount_total, DisputeStatus.OPEN, seen
                )
            )
    assert payment.status is status
    return settled(payment)


def a_refunded_and_disputed_payment() -> Payment:
    """A payment of EUR 100.00 with a refund of ours, one made at the dashboard, a failed one,
    a won dispute and an open one: every nested part of a payment in use."""
    payment = a_payment(intent_id="pi_1")
    payment.observe_intent(IntentObservation(IntentState.SUCCEEDED, at(1), charge_id="ch_1"))
    ours = payment.request_refund(
        refund_id="re_ours",
        requested_at=at(2),
        amount=money("10.00"),
        reason=RefundReason.REQUESTED_BY_CUSTOMER,
    )
    payment.attach_gateway_refund(ours.id, "gre_ours")
    payment.observe_refund(
        RefundObservation("gre_ours", money("10.00"), RefundStatus.SUCCEEDED, at(3), "re_ours")
    )
    payment.observe_refund(
        RefundObservation(
            "gre_dashboard",
            money("5.00"),
            RefundStatus.SUCCEEDED,
            at(4),
            reason=RefundReason.DUPLICATE,
        )
    )
    payment.request_refund(refund_id="re_failed", requested_at=at(5), amount=money("7.00"))
    payment.observe_refund(
        RefundObservation(
            "gre_failed",
            money("7.00"),
            RefundStatus.FAILED,
            at(6),
            "re_failed",
            failure_reason="expired_or_canceled_card",
        )
    )
    payment.observe_dispute(
        DisputeObservation("dp_won", money("20.00"), DisputeStatus.OPEN, at(7), "fraudulent")
    )
    payment.observe_dispute(DisputeObservation("dp_won", money("20.00"), DisputeStatus.WON, at(8)))
    payment.observe_dispute(
        DisputeObservation("dp_open", money("30.00"), DisputeStatus.OPEN, at(9), "duplicate")
    )
    assert payment.status is PaymentStatus.DISPUTED
    return settled(payment)


# -- the rest ------------------------------------------------------------------------------------


def a_card(
    payment_method_id: str = "pm_1",
    store_id: str = "store_a",
    *,
    email: str = EMAIL,
    minute: float = 0,
    is_default: bool = False,
) -> SavedPaymentMethod:
    return SavedPaymentMethod(
        id=payment_method_id,
        store_id=store_id,
        customer_email=email,
        type="card",
        created_at=at(minute),
        card_brand="visa",
        card_last4="4242",
        card_exp_month=12,
        card_exp_year=2034,
        is_default=is_default,
    )


def an_event(
    event_id: str = "evt_1",
    *,
    minute: float = 0,
    status: InboxStatus = InboxStatus.RECEIVED,
    payload: bytes = b'{"id": "evt_1"}',
) -> InboxEvent:
    return InboxEvent(
        event_id=event_id,
        type="payment_intent.succeeded",
        payload=payload,
        connect=True,
        received_at=at(minute),
        status=status,
        attempts=2 if status is InboxStatus.FAILED else 0,
        last_error="payment locked" if status is InboxStatus.FAILED else None,
    )


def an_entry(
    kind: EntryKind = EntryKind.CHARGE,
    amount: Money | None = None,
    *,
    store_id: str = "store_a",
    payment_id: str = "pay_1",
    reference: str | None = None,
    minute: float = 0,
) -> LedgerEntry:
    return LedgerEntry(
        store_id=store_id,
        payment_id=payment_id,
        kind=kind,
        amount=money("100.00") if amount is None else amount,
        reference=reference or payment_id,
        occurred_at=at(minute),
    )


def a_record(
    scope: str = "store_a",
    key: str = "key-1",
    *,
    result: bytes | None = b"{}",
    created_at: datetime = T0,
) -> IdempotencyRecord:
    return IdempotencyRecord(
        scope=scope,
        key=key,
        fingerprint=f"sha256:{scope}:{key}",
        result=result,
        created_at=created_at,
    )


# -- storing and comparing -----------------------------------------------------------------------

Storable = (
    Store | Order | Payment | SavedPaymentMethod | InboxEvent | LedgerEntry | IdempotencyRecord
)


async def add(uow: UnitOfWork, *things: Storable) -> None:
    for thing in things:
        match thing:
            case Store():
                await uow.stores.add(thing)
            case Order():
                await uow.orders.add(thing)
            case Payment():
                await uow.payments.add(thing)
            case SavedPaymentMethod():
                await uow.payment_methods.add(thing)
            case InboxEvent():
                assert await uow.inbox.add(thing)
            case LedgerEntry():
                await uow.ledger.add([thing])
            case IdempotencyRecord():
                await uow.idempotency.add(thing)


async def given(uow_factory: UnitOfWorkFactory, *things: Storable) -> None:
    """Store ``things`` in one committed unit of work, parents before children."""
    async with uow_factory() as uow:
        await add(uow, *things)
        await uow.commit()


_PENDING = frozenset({"_events", "_entries"})


def state(value: object) -> object:
    """Everything a value holds, types included (an enum member is not its string), for telling
    whether a loaded aggregate is the one that was stored; pending events are left out."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            {
                field.name: state(getattr(value, field.name))
                for field in dataclasses.fields(value)
                if field.name not in _PENDING
            },
        )
    if isinstance(value, list | tuple):
        return type(value).__name__, [state(item) for item in value]
    if isinstance(value, datetime):
        return "datetime", value, value.utcoffset()
    return type(value).__name__, value
