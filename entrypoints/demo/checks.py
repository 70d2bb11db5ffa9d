"""Every figure of the demo, cross-checked from independent sources.

The demo computes what each fee and share should be on its own (integer arithmetic from the
commission the platform stated), then compares it with what storepay reports (payments, orders,
balances, the platform's fee report), with the raw ledger, and with what the gateway holds
(Stripe's objects, retrieved by id through its API: in process or over HTTP alike). A figure
reconciles only when every source agrees.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

from adapters.stripe_emulator.records import JSON
from application.ports import UnitOfWorkFactory
from application.use_cases.catalogue import UseCases
from application.use_cases.report_platform_fees import PlatformFeeReport
from domain.currency import Currency
from domain.ledger import EntryKind, LedgerEntry, Party, StoreBalance, positions
from domain.money import Money
from domain.order import Order
from domain.payment import Payment, PaymentStatus
from domain.store import Store

from .story import FeeTerms, Purchase, Story


class StripeObjects(Protocol):
    """Stripe's objects the checks read, each retrieved by its id (``EmulatorControls``)."""

    async def account(self, account_id: str) -> JSON: ...
    async def payment_intent(self, payment_intent_id: str) -> JSON: ...
    async def charge(self, charge_id: str) -> JSON: ...
    async def balance_transaction(self, transaction_id: str) -> JSON: ...
    async def application_fee(self, fee_id: str) -> JSON: ...
    async def refund(self, refund_id: str) -> JSON: ...
    async def transfer(self, transfer_id: str) -> JSON: ...
    async def dispute(self, dispute_id: str) -> JSON: ...


@dataclass(frozen=True, slots=True)
class Check:
    group: str
    label: str
    expected: object
    actual: object

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


@dataclass(frozen=True, slots=True)
class Facts:
    """What storepay says once the story is over."""

    stores: dict[str, Store]  # by store id
    payments: dict[str, Payment]  # by order reference
    orders: dict[str, Order]  # by order reference
    balances: dict[str, list[StoreBalance]]  # by store id
    fees: PlatformFeeReport
    ledger: dict[str, list[LedgerEntry]]  # by store id


async def gather(story: Story, use_cases: UseCases, uow_factory: UnitOfWorkFactory) -> Facts:
    payments = {
        p.reference: await use_cases.get_payment(p.store.id, p.payment_id) for p in story.purchases
    }
    orders = {
        p.reference: await use_cases.get_order(p.store.id, p.order_id) for p in story.purchases
    }
    ledger: dict[str, list[LedgerEntry]] = {}
    async with uow_factory() as uow:
        for store in story.stores:
            ledger[store.id] = await uow.ledger.for_store(store.id)
    return Facts(
        stores={s.id: await use_cases.get_store(s.id) for s in story.stores},
        payments=payments,
        orders=orders,
        balances={s.id: await use_cases.get_balance(s.id) for s in story.stores},
        fees=await use_cases.report_platform_fees(),
        ledger=ledger,
    )


# -- the demo's own arithmetic ----------------------------------------------------------------


def _half_up(value: Fraction) -> int:
    """``value`` (never negative here) rounded half up, in integers."""
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def expected_fee(amount: int, terms: FeeTerms) -> int:
    """The commission on ``amount`` minor units: percentage rounded half up, plus the fixed
    part, kept between the minimum and the maximum, never above the amount."""
    fee = _half_up(Fraction(terms.percentage) * amount / 100) + terms.fixed
    fee = max(fee, terms.minimum)
    if terms.maximum is not None:
        fee = min(fee, terms.maximum)
    return min(fee, amount)


def expected_fee_back(fee: int, total: int, taken_back: int) -> int:
    """The fee share given back once ``taken_back`` of ``total`` went back to the shopper
    (by refunds and disputes), computed cumulatively."""
    return _half_up(Fraction(fee * taken_back, total)) if total else 0


@dataclass(frozen=True, slots=True)
class Expected:
    """A payment's figures as the demo computes them from the story alone."""

    total: Money
    fee: Money
    refunded: Money
    disputed: Money
    fee_back: Money

    @property
    def store_part(self) -> Money:
        return self.total - self.fee

    @property
    def net_for_store(self) -> Money:
        return self.total - self.fee - self.refunded + self.fee_back - self.disputed

    @property
    def net_for_platform(self) -> Money:
        return self.fee - self.fee_back

    @property
    def kept_from_shopper(self) -> Money:
        return self.total - self.refunded - self.disputed


def expect(purchase: Purchase) -> Expected:
    total = purchase.amount
    zero = Money.zero(total.currency)
    refunded = purchase.refund or zero
    disputed = total - refunded if purchase.expected_status is PaymentStatus.DISPUTED else zero
    fee = expected_fee(total.minor_units, purchase.store.terms)
    taken_back = (refunded + disputed).minor_units
    return Expected(
        total=total,
        fee=Money(fee, total.currency),
        refunded=refunded,
        disputed=disputed,
        fee_back=Money(expected_fee_back(fee, total.minor_units, taken_back), total.currency),
    )


def _add(amounts: Iterable[Money], currency: str) -> Money:
    total = Money.zero(currency)
    for amount in amounts:
        total += amount
    return total


# -- the checks -------------------------------------------------------------------------------


def _sum(entries: Iterable[LedgerEntry], kind: EntryKind) -> int:
    return sum(entry.amount.minor_units for entry in entries if entry.kind is kind)


def _net(entries: list[LedgerEntry], kind: EntryKind, reversal: EntryKind) -> int:
    return _sum(entries, kind) - _sum(entries, reversal)


class _Checks:
    def __init__(self) -> None:
        self.checks: list[Check] = []

    def same(self, group: str, label: str, expected: object, actual: object) -> None:
        self.checks.append(Check(group, label, expected, actual))


async def cross_check(story: Story, facts: Facts, stripe: StripeObjects) -> list[Check]:
    """Every check, in the order the report lists them."""
    c = _Checks()
    await _check_stores(c, story, facts, stripe)
    for purchase in story.purchases:
        _check_payment(c, purchase, facts)
    for purchase in story.purchases:
        _check_ledger(c, purchase, facts)
    for observation in story.observations:
        c.same("storepay vs gateway", observation.label, observation.gateway, observation.storepay)
    for purchase in story.purchases:
        await _check_gateway(c, purchase, facts, stripe)
    _check_balances(c, story, facts)
    _check_platform(c, story, facts)
    return c.checks


async def _check_stores(c: _Checks, story: Story, facts: Facts, stripe: StripeObjects) -> None:
    group = "stores"
    for demo in story.stores:
        store = facts.stores[demo.id]
        c.same(group, f"{demo.name}: account status", "active", store.account_status.value)
        c.same(group, f"{demo.name}: accepts payments", True, store.accepts_payments)
        account = await stripe.account(demo.account_id)
        c.same(group, f"{demo.name}: gateway enables charges", True, account["charges_enabled"])
        c.same(group, f"{demo.name}: gateway enables payouts", True, account["payouts_enabled"])


def _check_payment(c: _Checks, purchase: Purchase, facts: Facts) -> None:
    payment = facts.payments[purchase.reference]
    order = facts.orders[purchase.reference]
    want = expect(purchase)
    name, group = purchase.reference, "payments"
    c.same(group, f"{name}: status", purchase.expected_status.value, payment.status.value)
    c.same(group, f"{name}: the order follows its payment", payment.id, order.payment_id)
    c.same(group, f"{name}: order status", "processing", order.status.value)
    c.same(group, f"{name}: total", want.total, payment.amount_total)
    c.same(group, f"{name}: platform fee", want.fee, payment.amount_platform_fee)
    c.same(group, f"{name}: fee shown at checkout", want.fee, purchase.shown_at_checkout)
    c.same(group, f"{name}: store part", want.store_part, payment.amount_store)
    c.same(group, f"{name}: refunded", want.refunded, payment.amount_refunded)
    c.same(group, f"{name}: disputed", want.disputed, payment.amount_disputed)


def _check_ledger(c: _Checks, purchase: Purchase, facts: Facts) -> None:
    payment = facts.payments[purchase.reference]
    entries = [e for e in facts.ledger[purchase.store.id] if e.payment_id == payment.id]
    want = expect(purchase)
    name, group = purchase.reference, "ledger"
    kinds = EntryKind
    c.same(group, f"{name}: charge", want.total.minor_units, _sum(entries, kinds.CHARGE))
    c.same(group, f"{name}: platform fee", want.fee.minor_units, _sum(entries, kinds.PLATFORM_FEE))
    c.same(
        group,
        f"{name}: refunds",
        want.refunded.minor_units,
        _net(entries, kinds.REFUND, kinds.REFUND_REVERSAL),
    )
    c.same(
        group,
        f"{name}: fee given back",
        want.fee_back.minor_units,
        _net(entries, kinds.FEE_REFUND, kinds.FEE_REFUND_REVERSAL),
    )
    c.same(
        group,
        f"{name}: disputes",
        want.disputed.minor_units,
        _net(entries, kinds.DISPUTE, kinds.DISPUTE_REVERSAL),
    )
    held = positions(entries)
    currency = want.total.currency
    c.same(
        group,
        f"{name}: shopper + store + platform = 0",
        0,
        sum(held[(party, currency)].minor_units for party in Party),
    )
    for party, figure in (
        (Party.SHOPPER, -want.kept_from_shopper),
        (Party.STORE, want.net_for_store),
        (Party.PLATFORM, want.net_for_platform),
    ):
        c.same(group, f"{name}: {party.value} holds", figure, held[(party, currency)])


async def _check_gateway(
    c: _Checks, purchase: Purchase, facts: Facts, stripe: StripeObjects
) -> None:
    """storepay's books against the money Stripe moved: the charge and refunds in the platform's
    balance transactions, the application fee and its refunds, the transfer to the store and
    its reversals, the disputed amount Stripe withdrew."""
    payment = facts.payments[purchase.reference]
    entries = [e for e in facts.ledger[purchase.store.id] if e.payment_id == payment.id]
    want = expect(purchase)
    name, group = purchase.reference, "storepay's books vs Stripe's money"
    intent = await stripe.payment_intent(purchase.intent_id)
    c.same(group, f"{name}: intent status", "succeeded", intent["status"])
    c.same(
        group,
        f"{name}: paid to the store's account",
        purchase.store.account_id,
        intent["transfer_data"]["destination"],
    )
    charge = await stripe.charge(str(intent["latest_charge"]))
    charged = await stripe.balance_transaction(str(charge["balance_transaction"]))
    c.same(group, f"{name}: charge", _sum(entries, EntryKind.CHARGE), charged["amount"])
    fee = await stripe.application_fee(str(charge["application_fee"]))
    c.same(group, f"{name}: application fee", _sum(entries, EntryKind.PLATFORM_FEE), fee["amount"])
    paid_back = 0
    for recorded in payment.refunds:
        refund = await stripe.refund(recorded.gateway_refund_id or "")
        paid_back -= (await stripe.balance_transaction(str(refund["balance_transaction"])))[
            "amount"
        ]
        if refund.get("failure_balance_transaction"):  # Stripe names it only on a failed refund
            failed = await stripe.balance_transaction(str(refund["failure_balance_transaction"]))
            paid_back -= failed["amount"]
    c.same(
        group,
        f"{name}: refunds",
        _net(entries, EntryKind.REFUND, EntryKind.REFUND_REVERSAL),
        paid_back,
    )
    c.same(
        group,
        f"{name}: application fee refunded for refunds",
        payment.platform_fee_refunded.minor_units,
        fee["amount_refunded"],
    )
    transfer = await stripe.transfer(str(charge["transfer"]))
    c.same(
        group,
        f"{name}: kept by the store's account (transferred less reversed)",
        want.total.minor_units - paid_back,
        transfer["amount"] - transfer["amount_reversed"],
    )
    withdrawn = 0
    for opened in payment.disputes:
        dispute = await stripe.dispute(opened.id)
        withdrawn -= sum(txn["amount"] for txn in dispute["balance_transactions"])
    c.same(
        group,
        f"{name}: disputed amount withdrawn",
        _net(entries, EntryKind.DISPUTE, EntryKind.DISPUTE_REVERSAL),
        withdrawn,
    )


def _check_balances(c: _Checks, story: Story, facts: Facts) -> None:
    group = "balances"
    for demo in story.stores:
        wanted = [expect(p) for p in story.purchases if p.store is demo]
        balances = facts.balances[demo.id]
        name = demo.name
        c.same(group, f"{name}: currencies", [demo.currency], [b.currency.code for b in balances])
        if len(balances) != 1:
            continue
        balance = balances[0]
        for label, figure, reported in (
            ("gross", _add((w.total for w in wanted), demo.currency), balance.gross_volume),
            ("platform fees", _add((w.fee for w in wanted), demo.currency), balance.platform_fees),
            ("refunds", _add((w.refunded for w in wanted), demo.currency), balance.refunds),
            ("fee refunds", _add((w.fee_back for w in wanted), demo.currency), balance.fee_refunds),
            ("disputed", _add((w.disputed for w in wanted), demo.currency), balance.disputed),
            ("net", _add((w.net_for_store for w in wanted), demo.currency), balance.net),
        ):
            c.same(group, f"{name}: {label}", figure, reported)
        c.same(
            group,
            f"{name}: net = gross - fees - refunds + fee refunds - disputed",
            balance.gross_volume
            - balance.platform_fees
            - balance.refunds
            + balance.fee_refunds
            - balance.disputed,
            balance.net,
        )
        c.same(
            group,
            f"{name}: net = what the ledger holds for the store",
            positions(facts.ledger[demo.id])[(Party.STORE, balance.currency)],
            balance.net,
        )


def _check_platform(c: _Checks, story: Story, facts: Facts) -> None:
    group = "platform fees"
    by_store = {(line.store_id, line.fees.currency.code): line.fees for line in facts.fees.by_store}
    kept: dict[str, Money] = {}
    for demo in story.stores:
        wanted = [expect(p) for p in story.purchases if p.store is demo]
        fees = by_store.get((demo.id, demo.currency))
        c.same(group, f"{demo.name}: in the report", True, fees is not None)
        if fees is None:
            continue
        collected = _add((w.fee for w in wanted), demo.currency)
        given_back = _add((w.fee_back for w in wanted), demo.currency)
        c.same(group, f"{demo.name}: collected", collected, fees.fees_collected)
        c.same(group, f"{demo.name}: given back", given_back, fees.fees_refunded)
        c.same(group, f"{demo.name}: net", collected - given_back, fees.net)
        c.same(
            group,
            f"{demo.name}: net = what the ledger holds for the platform",
            positions(facts.ledger[demo.id])[(Party.PLATFORM, fees.currency)],
            fees.net,
        )
        kept[demo.currency] = kept.get(demo.currency, Money.zero(demo.currency)) + fees.net
    for totals in facts.fees.totals:
        code = totals.currency.code
        lines = [fees for (_, currency), fees in by_store.items() if currency == code]
        c.same(
            group,
            f"{code} total collected = the stores' sum",
            _add((f.fees_collected for f in lines), code),
            totals.fees_collected,
        )
        c.same(
            group,
            f"{code} total given back = the stores' sum",
            _add((f.fees_refunded for f in lines), code),
            totals.fees_refunded,
        )
    for code in sorted(kept):
        entries = [e for s in story.stores if s.currency == code for e in facts.ledger[s.id]]
        held = positions(entries)
        c.same(
            "money kept",
            f"{code}: shoppers paid less what went back = stores' net + platform's net",
            -held[(Party.SHOPPER, Currency.of(code))],
            _add((facts.balances[s.id][0].net for s in story.stores if s.currency == code), code)
            + kept[code],
        )
