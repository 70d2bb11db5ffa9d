"""The gateway's reports may arrive late, out of order and more than once; storepay must end up
exactly where it does when every report arrives at once, in order.

Each example tells one story of payments across two stores: declined cards and retries, 3-D
Secure passed and failed, disputes won, lost and left open, refunds partial and full, some of
them failing later. The story runs twice on fresh systems with the same ids and the same clock:
once with every webhook delivered as it happens, once with webhooks held and released at random
points, shuffled and duplicated. Both runs must agree on everything a store or the platform can
read, and every payment's ledger must balance.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import anyio
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from application.use_cases.create_payment_intent import IntentForOrder, PaymentIntentCreated
from application.use_cases.list_payments import PaymentQuery
from application.use_cases.refund_payment import RefundOrder
from application.use_cases.register_order import NewOrder
from domain.errors import DomainError
from domain.ledger import LedgerEntry, Party, positions
from domain.payment import Payment
from domain.store import Store

from .system import (
    DECLINED,
    DISPUTED,
    INSUFFICIENT_FUNDS,
    MASTERCARD,
    REFUND_FAILS,
    REQUIRES_AUTHENTICATION,
    SUCCEEDS,
    System,
    build_system,
    later,
)

# name, currency, fee percentage, fixed fee (minor units), order amounts in charge steps
STORES = (
    ("Kiosk", "EUR", "2.9", 30, (50, 20_000)),
    ("Souk", "KWD", "2.5", 100, (1, 3_000)),
)
SHOPPERS = ("ana@example.lu", "Ben@Example.lu", "chloe@example.lu")
REASONS = (None, "requested_by_customer", "duplicate", "fraudulent")


@dataclass(frozen=True)
class Attempt:
    card: str
    authenticated: bool = True  # how a 3-D Secure step ends

    @property
    def succeeds(self) -> bool:
        failing = (DECLINED, INSUFFICIENT_FUNDS)
        return self.card not in failing and (
            self.card != REQUIRES_AUTHENTICATION or self.authenticated
        )


@dataclass(frozen=True)
class RefundStep:
    percent: int | None  # of the payment's total; None asks for all that is left
    fails_later: bool
    reason: str | None
    settle_after: bool  # the gateway settles its failing refunds right after


@dataclass(frozen=True)
class PaymentStory:
    store: int
    steps: int
    shopper: str
    attempts: tuple[Attempt, ...]
    dispute_won: bool | None  # a disputed charge's dispute is closed won, lost, or left open
    refunds: tuple[RefundStep, ...]


@dataclass(frozen=True)
class Story:
    payments: tuple[PaymentStory, ...]
    pauses: tuple[int, ...]  # seconds that pass after each step, in turn
    releases: tuple[bool, ...]  # whether held webhooks are released after each step, in turn
    seed: int
    duplicate: float


failing_attempts = st.sampled_from(
    [
        Attempt(DECLINED),
        Attempt(INSUFFICIENT_FUNDS),
        Attempt(REQUIRES_AUTHENTICATION, authenticated=False),
    ]
)
final_attempts = st.sampled_from(
    [
        Attempt(SUCCEEDS),
        Attempt(MASTERCARD),
        Attempt(REQUIRES_AUTHENTICATION, authenticated=True),
        Attempt(DISPUTED),
        Attempt(REFUND_FAILS),
    ]
)
refund_steps = st.builds(
    RefundStep,
    percent=st.none() | st.integers(min_value=1, max_value=110),
    fails_later=st.booleans(),
    reason=st.sampled_from(REASONS),
    settle_after=st.booleans(),
)


@st.composite
def payment_stories(draw: st.DrawFn) -> PaymentStory:
    store = draw(st.integers(min_value=0, max_value=len(STORES) - 1))
    lowest, highest = STORES[store][4]
    failures = draw(st.lists(failing_attempts, max_size=2))
    final = draw(st.one_of(final_attempts, final_attempts, st.none()))
    return PaymentStory(
        store=store,
        steps=draw(st.integers(min_value=lowest, max_value=highest)),
        shopper=draw(st.sampled_from(SHOPPERS)),
        attempts=(*failures, *([final] if final is not None else [])),
        dispute_won=draw(st.none() | st.booleans()),
        refunds=tuple(draw(st.lists(refund_steps, max_size=3))),
    )


stories = st.builds(
    Story,
    payments=st.lists(payment_stories(), min_size=1, max_size=8).map(tuple),
    pauses=st.lists(st.sampled_from([0, 1, 7, 60]), min_size=1, max_size=8).map(tuple),
    releases=st.lists(st.booleans(), min_size=1, max_size=8).map(tuple),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    duplicate=st.sampled_from([0.0, 0.3, 1.0]),
)


class Run:
    """One telling of a story on a fresh system; ``held`` webhooks wait to be released."""

    def __init__(self, story: Story, *, held: bool) -> None:
        self.story = story
        self.held = held
        self.system = build_system(delivery_mode="held" if held else "immediate")
        self.rng = random.Random(story.seed)
        self.calls: list[tuple[object, ...]] = []
        self.stores: list[Store] = []
        self.orders: list[str] = []
        self._turn = 0

    async def tell(self) -> None:
        for name, currency, percentage, fixed, _ in STORES:
            self.stores.append(
                await self.system.onboarded_store(
                    name, currency=currency, percentage=percentage, fixed_amount=fixed
                )
            )
        for number, payment in enumerate(self.story.payments, start=1):
            await self._pay(number, payment)
        await self.system.stripe.settle_refunds()
        await self._release_everything()

    async def _pay(self, number: int, story: PaymentStory) -> None:
        store = self.stores[story.store]
        amount = story.steps * store.currency.charge_step
        registered = await self.system.use_cases.register_order(
            NewOrder(store.id, f"R-{number}", story.shopper, amount, store.currency.code)
        )
        order_id = registered.order.id
        self.orders.append(order_id)
        made = await self._checkout(store, order_id, amount, story.shopper)
        await self._pause()
        stripe = self.system.stripe
        intent_id, secret = made.intent.id, made.intent.client_secret
        for number_of_attempt, attempt in enumerate(story.attempts):
            if number_of_attempt > 0:
                again = await self._checkout(store, order_id, amount, story.shopper)
                assert again.intent.id == intent_id
            await stripe.confirm(intent_id, secret, attempt.card)
            await self._pause()
            if attempt.card == REQUIRES_AUTHENTICATION:
                await stripe.authenticate(intent_id, secret, attempt.authenticated)
                await self._pause()
        last = story.attempts[-1] if story.attempts else None
        if last is not None and last.card == DISPUTED and story.dispute_won is not None:
            await stripe.close_dispute(stripe.dispute_of(intent_id), won=story.dispute_won)
            await self._pause()
        for refund in story.refunds:
            await self._refund(store, made.payment, refund)

    async def _checkout(
        self, store: Store, order_id: str, amount: int, shopper: str
    ) -> PaymentIntentCreated:
        made = await self.system.use_cases.create_payment_intent(
            IntentForOrder(store.id, order_id, amount, shopper.upper())
        )
        self.calls.append(("checkout", order_id, made.intent.id, made.payment.id))
        return made

    async def _refund(self, store: Store, payment: Payment, step: RefundStep) -> None:
        # A store refunds what it sees: whatever the gateway reported so far has arrived.
        await self._release_everything()
        amount = None
        if step.percent is not None:
            charge_step = store.currency.charge_step
            share = payment.amount_total.minor_units * step.percent // 100
            amount = max(charge_step, share // charge_step * charge_step)
        if step.fails_later:
            self.system.stripe.fail_next_refund()
        try:
            made = await self.system.use_cases.refund_payment(
                RefundOrder(store.id, payment.id, amount=amount, reason=step.reason)
            )
        except DomainError as refused:
            self.calls.append(("refund refused", payment.id, amount, refused.code))
        else:
            refund = made.refund
            self.calls.append(
                (
                    "refund",
                    payment.id,
                    refund.id,
                    refund.amount,
                    refund.platform_fee_refunded,
                    refund.status,
                )
            )
        await self._pause()
        if step.settle_after:
            await self.system.stripe.settle_refunds()
            await self._pause()

    async def _pause(self) -> None:
        turn, self._turn = self._turn, self._turn + 1
        if self.held and self.story.releases[turn % len(self.story.releases)]:
            await self.system.stripe.release(shuffle=self.rng, duplicate=self.story.duplicate)
        later(self.system, seconds=self.story.pauses[turn % len(self.story.pauses)])

    async def _release_everything(self) -> None:
        for _ in range(5):
            if not self.system.stripe.waiting_deliveries:
                return
            await self.system.stripe.release(shuffle=self.rng, duplicate=self.story.duplicate)
        raise AssertionError("held webhooks keep failing")

    # -- what stores and the platform can read ------------------------------------------------

    async def payments(self) -> list[Payment]:
        found: list[Payment] = []
        for store in self.stores:
            page = await self.system.use_cases.list_payments(PaymentQuery(store.id, limit=100))
            assert not page.has_more
            found.extend(page.data)
        return found

    async def readings(self) -> dict[str, object]:
        use_cases = self.system.use_cases
        payments = await self.payments()
        orders = []
        for store in self.stores:
            for order_id in self.orders:
                try:
                    order = await use_cases.get_order(store.id, order_id)
                except DomainError:
                    continue
                orders.append(
                    (
                        order.id,
                        order.status,
                        order.payment_status,
                        order.payment_id,
                        order.payment_attempts,
                    )
                )
        report = await use_cases.report_platform_fees()
        return {
            "calls": self.calls,
            "payments": [payment_reading(payment) for payment in payments],
            "orders": orders,
            "balances": [
                (store.id, await use_cases.get_balance(store.id)) for store in self.stores
            ],
            "platform fees": (
                report.totals,
                [(line.store_id, line.fees) for line in report.by_store],
            ),
        }


def payment_reading(payment: Payment) -> tuple[object, ...]:
    return (
        payment.id,
        payment.order_id,
        payment.payment_intent_id,
        payment.status,
        payment.failure_reason,
        payment.charge_id,
        payment.paid_at,
        payment.amount_total,
        payment.amount_platform_fee,
        payment.amount_refunded,
        payment.platform_fee_refunded,
        payment.amount_disputed,
        payment.refundable_amount,
        tuple(
            (
                refund.id,
                refund.amount,
                refund.platform_fee_refunded,
                refund.status,
                refund.reason,
                refund.failure_reason,
                refund.gateway_refund_id,
            )
            for refund in payment.refunds
        ),
        tuple(
            (dispute.id, dispute.amount, dispute.status, dispute.platform_fee_returned)
            for dispute in payment.disputes
        ),
    )


async def ledger(system: System) -> list[LedgerEntry]:
    async with system.memory() as uow:
        return await uow.ledger.all()


def check_ledger(entries: Sequence[LedgerEntry], payments: Sequence[Payment]) -> None:
    """Every payment's ledger balances, and neither store nor platform ever gives more than it
    holds, after any of the changes the ledger recorded (entries of one change share a time)."""
    for payment in payments:
        own = [entry for entry in entries if entry.payment_id == payment.id]
        currency = payment.amount_total.currency
        ends = [
            end
            for end in range(1, len(own) + 1)
            if end == len(own) or own[end].occurred_at != own[end - 1].occurred_at
        ]
        for end in ends:
            held = positions(own[:end])
            assert sum(amount.minor_units for amount in held.values()) == 0
            assert not held[(Party.STORE, currency)].is_negative, (payment.id, own[:end])
            assert not held[(Party.PLATFORM, currency)].is_negative, (payment.id, own[:end])
            assert not held[(Party.SHOPPER, currency)].is_positive, (payment.id, own[:end])
        if own:
            final = positions(own)
            shopper = final[(Party.SHOPPER, currency)]
            platform = final[(Party.PLATFORM, currency)]
            returned_with_disputes = sum(
                dispute.platform_fee_returned.minor_units for dispute in payment.disputes
            )
            assert platform.minor_units == (
                payment.amount_platform_fee.minor_units
                - payment.platform_fee_refunded.minor_units
                - returned_with_disputes
            )
            assert -shopper == (
                payment.amount_total - payment.amount_refunded - payment.amount_disputed
            )


def check_against_the_gateway(run: Run, payments: Sequence[Payment]) -> None:
    """What storepay records agrees with what the gateway holds."""
    stripe = run.system.stripe
    for payment in payments:
        assert payment.payment_intent_id is not None
        intent = stripe.retrieve_object(payment.payment_intent_id)
        assert (intent["status"] == "succeeded") is payment.status.is_paid, payment.id
        if payment.charge_id is None:
            continue
        assert payment.charge_id == intent["latest_charge"]
        charge = stripe.retrieve_object(payment.charge_id)
        assert charge["amount_refunded"] == payment.amount_refunded.minor_units, payment.id
        for dispute in payment.disputes:
            at_gateway = stripe.retrieve_object(dispute.id)["status"]
            assert dispute.status.value == {"needs_response": "open"}.get(at_gateway, at_gateway)


def check_balances(readings: dict[str, object], entries: Sequence[LedgerEntry]) -> None:
    balances = readings["balances"]
    assert isinstance(balances, list)
    for store_id, store_balances in balances:
        own = [entry for entry in entries if entry.store_id == store_id]
        for balance in store_balances:
            held = positions(e for e in own if e.amount.currency == balance.currency)
            assert balance.net == held[(Party.STORE, balance.currency)]


async def tell_twice(story: Story) -> tuple[Run, Run]:
    at_once = Run(story, held=False)
    held = Run(story, held=True)
    await at_once.tell()
    await held.tell()

    assert at_once.system.stripe.failed_deliveries == []
    assert held.system.stripe.failed_deliveries == []
    assert held.system.stripe.waiting_deliveries == []
    assert len(held.system.stripe.deliveries) >= len(held.system.stripe.sent_events)
    assert [event["type"] for event in held.system.stripe.sent_events] == [
        event["type"] for event in at_once.system.stripe.sent_events
    ]
    at_once_readings = await at_once.readings()
    held_readings = await held.readings()
    assert held_readings["calls"] == at_once_readings["calls"]
    assert held_readings["payments"] == at_once_readings["payments"]
    assert held_readings["orders"] == at_once_readings["orders"]
    assert held_readings["balances"] == at_once_readings["balances"]
    assert held_readings["platform fees"] == at_once_readings["platform fees"]

    for run, readings in ((at_once, at_once_readings), (held, held_readings)):
        payments = await run.payments()
        entries = await ledger(run.system)
        check_ledger(entries, payments)
        check_against_the_gateway(run, payments)
        check_balances(readings, entries)
    return at_once, held


def label(at_once: Run, held: Run) -> None:
    """Name what the example covered, for ``--hypothesis-show-statistics``."""
    sent, delivered = len(held.system.stripe.sent_events), len(held.system.stripe.deliveries)
    event(f"held webhooks delivered twice: {'some' if delivered > sent else 'none'}")
    for call in at_once.calls:
        event(f"call: {call[0]}" + (f" ({call[-1]})" if call[0] == "refund refused" else ""))
    for kind in {entry.kind for entry in anyio.run(ledger, at_once.system)}:
        event(f"ledger entry: {kind}")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(story=stories)
def test_late_shuffled_and_repeated_webhooks_end_where_timely_ones_do(story: Story) -> None:
    label(*anyio.run(tell_twice, story))


def test_a_story_with_every_kind_of_payment_ends_the_same_both_ways() -> None:
    refund_all = RefundStep(None, fails_later=False, reason=None, settle_after=False)
    half = RefundStep(50, fails_later=False, reason="requested_by_customer", settle_after=False)
    failing = RefundStep(30, fails_later=True, reason=None, settle_after=True)
    story = Story(
        payments=(
            PaymentStory(0, 1999, "ana@example.lu", (Attempt(SUCCEEDS),), None, (half, half)),
            PaymentStory(
                1,
                150,
                "ben@example.lu",
                (Attempt(DECLINED), Attempt(REQUIRES_AUTHENTICATION)),
                None,
                (failing, refund_all),
            ),
            PaymentStory(0, 5000, "chloe@example.lu", (Attempt(DISPUTED),), True, (half,)),
            PaymentStory(0, 700, "ana@example.lu", (Attempt(DISPUTED),), False, (half,)),
            PaymentStory(1, 90, "ben@example.lu", (Attempt(DISPUTED),), None, ()),
            PaymentStory(0, 2500, "ana@example.lu", (Attempt(REFUND_FAILS),), None, (half,)),
            PaymentStory(
                0,
                800,
                "ben@example.lu",
                (Attempt(INSUFFICIENT_FUNDS), Attempt(REQUIRES_AUTHENTICATION, False)),
                None,
                (refund_all,),
            ),
            PaymentStory(1, 40, "chloe@example.lu", (), None, ()),
        ),
        pauses=(0, 1, 60),
        releases=(False, True, False),
        seed=7,
        duplicate=1.0,
    )

    anyio.run(tell_twice, story)
