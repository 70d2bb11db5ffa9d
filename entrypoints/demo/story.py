"""The marketplace story the demo tells, acted out through the use cases.

The platform, the stores and storepay act through the use cases, as the HTTP endpoints do;
shoppers, Stripe's hosted onboarding and the shoppers' banks act through the Stripe emulator's
test mode, asked through its API (in process, or over HTTP when the emulator runs apart), whose
signed events reach storepay through the same webhook handling as Stripe's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from adapters.stripe.objects import attempt_failure_reason
from adapters.stripe_emulator import EmulatorControls, cards
from application.use_cases.catalogue import UseCases
from application.use_cases.create_payment_intent import IntentForOrder, PaymentIntentCreated
from application.use_cases.create_store import NewStore
from application.use_cases.refund_payment import RefundOrder
from application.use_cases.register_order import NewOrder
from application.use_cases.set_fee_policy import NewFeePolicy
from application.use_cases.set_up_payments import PaymentSetup
from domain.money import Money
from domain.payment import PaymentStatus
from entrypoints.errors import CommandFailed

Say = Callable[[str], None]

# How long storepay may take to apply the events an API call caused (over HTTP, they reach a
# worker after the emulator has answered), and how often its books are looked at meanwhile.
SETTLE_SECONDS = 10.0
SETTLE_POLL_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class FeeTerms:
    """A commission as the platform states it, kept apart from storepay's own fee policy so the
    demo can compute every fee on its own and compare."""

    percentage: str
    fixed: int = 0
    minimum: int = 0
    maximum: int | None = None

    def describe(self, currency: str) -> str:
        text = f"{self.percentage} %"
        if self.fixed:
            text += f" + {Money.of(self.fixed, currency)}"
        if self.minimum:
            text += f", at least {Money.of(self.minimum, currency)}"
        if self.maximum is not None:
            text += f", at most {Money.of(self.maximum, currency)}"
        return text


@dataclass(slots=True)
class DemoStore:
    name: str
    email: str
    country: str
    currency: str
    terms: FeeTerms
    id: str = ""
    api_key: str = ""
    account_id: str = ""
    onboarding_url: str = ""
    account_status: str = ""


@dataclass(slots=True)
class Purchase:
    """One order and what its shopper, store and bank do with it."""

    store: DemoStore
    reference: str
    shopper: str
    amount: Money
    expected_status: PaymentStatus
    refund: Money | None = None
    order_id: str = ""
    payment_id: str = ""
    intent_id: str = ""
    shown_at_checkout: Money | None = None  # the platform fee the checkout showed the shopper


@dataclass(frozen=True, slots=True)
class Observation:
    """What storepay and the gateway said at one moment of the story, to compare later."""

    label: str
    storepay: str
    gateway: str


@dataclass(slots=True)
class Story:
    stores: list[DemoStore]
    purchases: list[Purchase]
    observations: list[Observation] = field(default_factory=list)


ATELIER = DemoStore("Atelier Ana", "ana@atelier-ana.example", "LU", "EUR", FeeTerms("2.5"))
BAKERY = DemoStore(
    "Berg Bakery",
    "hello@berg-bakery.example",
    "DE",
    "EUR",
    FeeTerms("1.9", fixed=30, minimum=50, maximum=500),
)


def _card(number: str) -> str:
    return f"card ending {number[-4:]}"


class Marketplace:
    def __init__(self, use_cases: UseCases, stripe: EmulatorControls, say: Say) -> None:
        self.use_cases = use_cases
        self.stripe = stripe
        self.say = say
        self.observations: list[Observation] = []

    # -- the platform and the stores ------------------------------------------------------------

    async def open_store(self, store: DemoStore) -> None:
        created = await self.use_cases.create_store(
            NewStore(store.name, store.email, country=store.country, currency=store.currency)
        )
        store.id, store.api_key = created.store.id, created.api_key
        if store.terms != FeeTerms(str(created.store.fee_policy.percentage)):
            terms = store.terms
            await self.use_cases.set_fee_policy(
                NewFeePolicy(store.id, terms.percentage, terms.fixed, terms.minimum, terms.maximum)
            )
        self.say(
            f"  {store.name} ({store.country}, {store.currency}) opens as {store.id}; "
            f"commission {store.terms.describe(store.currency)}"
        )

    async def onboard(self, store: DemoStore) -> None:
        setup = await self.use_cases.set_up_payments(PaymentSetup(store.id))
        store.account_id, store.onboarding_url = setup.account_id, setup.onboarding.url
        # The store fills in Stripe's hosted onboarding, then comes back to storepay's return page.
        await self.stripe.complete_onboarding(store.account_id)
        link = await self.stripe.onboarding_link(store.account_id)
        token = parse_qs(urlsplit(str(link["return_url"])).query)["token"][0]
        checked = (await self.use_cases.check_onboarding(store.id, token)).store
        store.account_status = checked.account_status.value
        self.say(
            f"  {store.name} onboards as Express account {store.account_id}: "
            f"{store.account_status}, "
            f"{'accepts' if checked.accepts_payments else 'does NOT accept'} payments"
        )

    # -- shoppers and their banks ---------------------------------------------------------------

    async def check_out(self, purchase: Purchase) -> PaymentIntentCreated:
        """The storefront registers the order once, shows the fee, and asks for an intent; asking
        again for the same order returns its open intent."""
        store = purchase.store
        if not purchase.order_id:
            preview = await self.use_cases.preview_fee(
                store.id, purchase.amount.minor_units, purchase.amount.currency.code
            )
            purchase.shown_at_checkout = preview.platform_fee
            registered = await self.use_cases.register_order(
                NewOrder(
                    store.id,
                    purchase.reference,
                    purchase.shopper,
                    purchase.amount.minor_units,
                    purchase.amount.currency.code,
                )
            )
            purchase.order_id = registered.order.id
        made = await self.use_cases.create_payment_intent(
            IntentForOrder(
                store.id,
                purchase.order_id,
                purchase.amount.minor_units,
                purchase.shopper,
                currency=purchase.amount.currency.code,
            )
        )
        purchase.payment_id, purchase.intent_id = made.payment.id, made.intent.id
        return made

    async def pay(self, purchase: Purchase, card: str, *, retry: bool = False) -> None:
        made = await self.check_out(purchase)
        await self.stripe.confirm(made.intent.id, made.intent.client_secret, card_number=card)
        status = await self._compare(purchase, f"{purchase.reference}, {_card(card)}")
        if status == "requires_action":
            status += " (the bank asks for 3-D Secure)"
        if retry:
            self._tell(purchase, f"the shopper tries again with {_card(card)}: {status}")
        else:
            self._tell(
                purchase,
                f"{purchase.shopper} pays {purchase.store.name} {purchase.amount} "
                f"with {_card(card)}: {status}",
            )

    async def authenticate(self, purchase: Purchase) -> None:
        made = await self.check_out(purchase)
        await self.stripe.authenticate(made.intent.id, made.intent.client_secret, True)
        status = await self._compare(purchase, f"{purchase.reference}, after 3-D Secure")
        self._tell(purchase, f"the shopper passes 3-D Secure: {status}")

    async def refund(self, purchase: Purchase) -> None:
        assert purchase.refund is not None
        made = await self.use_cases.refund_payment(
            RefundOrder(
                purchase.store.id,
                purchase.payment_id,
                amount=purchase.refund.minor_units,
                reason="requested_by_customer",
                idempotency_key=f"demo-refund-{purchase.reference}",
            )
        )
        await self._until_applied(purchase, made.refund.gateway_refund_id or "")
        self._tell(
            purchase,
            f"{purchase.store.name} refunds {made.refund.amount} "
            f"({made.refund.status.value}; platform fee given back "
            f"{made.refund.platform_fee_refunded}): {made.payment.status.value}",
        )

    async def dispute(self, purchase: Purchase) -> None:
        """The shopper's bank disputes the whole payment; the funds leave the store at once."""
        intent = await self.stripe.payment_intent(purchase.intent_id)
        await self.stripe.dispute_charge(str(intent["latest_charge"]), reason="fraudulent")
        payment = await self.use_cases.get_payment(purchase.store.id, purchase.payment_id)
        status = await self._compare(purchase, f"{purchase.reference}, after the dispute")
        for dispute in payment.disputes:
            self._tell(
                purchase,
                f"the shopper's bank disputes {dispute.amount} as {dispute.reason}; the funds "
                f"leave {purchase.store.name}: {status}",
            )

    async def _until_applied(self, purchase: Purchase, refund_id: str) -> None:
        """Stripe's events about a refund follow the answer that created it; wait, bounded, until
        storepay's books show the refund as Stripe does."""
        stated = (await self.stripe.refund(refund_id))["status"]
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            payment = await self.use_cases.get_payment(purchase.store.id, purchase.payment_id)
            if any(
                r.gateway_refund_id == refund_id and r.status.value == stated
                for r in payment.refunds
            ):
                return
            if time.monotonic() > deadline:
                raise CommandFailed(
                    f"storepay did not show refund {refund_id} as {stated} within "
                    f"{SETTLE_SECONDS:.0f} s"
                )
            await asyncio.sleep(SETTLE_POLL_SECONDS)

    async def _compare(self, purchase: Purchase, label: str) -> str:
        """Ask storepay and the gateway where the payment stands, and keep both answers."""
        payment = await self.use_cases.get_payment(purchase.store.id, purchase.payment_id)
        status = payment.status.value
        if payment.failure_reason:
            status += f" ({payment.failure_reason})"
        intent = await self.stripe.payment_intent(purchase.intent_id)
        self.observations.append(
            Observation(label, status, _in_storepay_words(intent, payment.disputes != []))
        )
        return status

    def _tell(self, purchase: Purchase, what: str) -> None:
        self.say(f"  {purchase.reference}: {what}")


def _in_storepay_words(intent: dict[str, Any], disputed: bool) -> str:
    """The gateway's view of an intent, worded as storepay's payment statuses."""
    status = str(intent["status"])
    error = intent.get("last_payment_error") or {}
    if status == "requires_payment_method" and error:
        return f"failed ({attempt_failure_reason(error.get('code'), error.get('decline_code'))})"
    if status == "succeeded" and disputed:
        return "disputed"
    return {
        "requires_payment_method": "pending",
        "requires_confirmation": "pending",
    }.get(status, status)


async def tell(use_cases: UseCases, stripe: EmulatorControls, say: Say) -> Story:
    """Act the whole story out, narrating as it goes; returns what the checks need."""
    market = Marketplace(use_cases, stripe, say)
    atelier, bakery = (
        DemoStore(s.name, s.email, s.country, s.currency, s.terms) for s in (ATELIER, BAKERY)
    )

    def purchase(
        store: DemoStore,
        reference: str,
        shopper: str,
        amount: int,
        expected: PaymentStatus,
        refund: int | None = None,
    ) -> Purchase:
        currency = store.currency
        return Purchase(
            store,
            reference,
            shopper,
            Money.of(amount, currency),
            expected,
            refund=None if refund is None else Money.of(refund, currency),
        )

    paid, refunded, disputed = (
        PaymentStatus.SUCCEEDED,
        PaymentStatus.PARTIALLY_REFUNDED,
        PaymentStatus.DISPUTED,
    )
    plain = purchase(atelier, "A-1001", "lea@example.lu", 4990, paid)
    declined_first = purchase(atelier, "A-1002", "marc@example.lu", 12000, paid)
    disputed_later = purchase(atelier, "A-1003", "sofia@example.lu", 6000, disputed)
    three_d_secure = purchase(bakery, "B-2001", "jonas@example.de", 7500, paid)
    refunded_in_part = purchase(bakery, "B-2002", "emma@example.de", 3000, refunded, 1000)
    minimum_fee = purchase(bakery, "B-2003", "noah@example.de", 450, paid)

    say("1. The platform opens two stores")
    for store in (atelier, bakery):
        await market.open_store(store)

    say("2. The stores onboard with Stripe Connect (Express accounts, simulated)")
    for store in (atelier, bakery):
        await market.onboard(store)

    say("3. Shoppers pay")
    await market.pay(plain, cards.SUCCEEDS)
    await market.pay(declined_first, cards.DECLINED)
    await market.pay(declined_first, cards.SUCCEEDS, retry=True)
    await market.pay(three_d_secure, cards.REQUIRES_AUTHENTICATION)
    await market.authenticate(three_d_secure)
    await market.pay(refunded_in_part, cards.SUCCEEDS_MASTERCARD)
    await market.pay(minimum_fee, cards.SUCCEEDS)
    await market.pay(disputed_later, cards.SUCCEEDS)

    say("4. After the sale: a refund and a dispute")
    await market.refund(refunded_in_part)
    await market.dispute(disputed_later)

    return Story(
        stores=[atelier, bakery],
        purchases=[
            plain,
            declined_first,
            disputed_later,
            three_d_secure,
            refunded_in_part,
            minimum_fee,
        ],
        observations=market.observations,
    )
