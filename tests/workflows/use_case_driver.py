"""The marketplace driven through the use cases, on any unit of work and the Stripe adapter
talking to the Stripe emulator.

Webhooks go through ``HandleGatewayEvent`` exactly as the HTTP endpoint hands them over: the
emulator signs each event and the use case verifies it. What shoppers, banks and stores do at
Stripe is done with the emulator's test mode.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from stripe_emulation import emulated_stripe

from adapters.memory.token_uses import MemoryTokenUses
from adapters.stripe_emulator import EmulatorError
from adapters.stripe_emulator.records import RefundRecord
from adapters.system.api_keys import RandomSecrets
from adapters.system.clock import ManualClock
from adapters.system.ids import SequentialIds
from adapters.system.tokens import HmacTokenSigner
from application.gateway import GatewayIntent
from application.ports import UnitOfWorkFactory
from application.settings import ServiceSettings
from application.use_cases.catalogue import Ports, UseCases
from application.use_cases.change_payout_settings import PayoutChange
from application.use_cases.create_customer_session import SessionForOrder
from application.use_cases.create_payment_intent import IntentForOrder
from application.use_cases.create_store import NewStore
from application.use_cases.list_payments import PaymentQuery
from application.use_cases.refund_payment import RefundOrder
from application.use_cases.register_order import NewOrder
from application.use_cases.set_fee_policy import NewFeePolicy
from application.use_cases.set_up_payments import PaymentSetup
from domain.errors import DomainError
from domain.fees import FeeBreakdown, Percentage
from domain.ledger import PlatformFees
from domain.money import Money
from domain.order import Order
from domain.payment import Payment
from domain.refund import Refund
from domain.store import Store

from .driver import (
    Balance,
    Breakdown,
    Checkout,
    FeeReport,
    Fees,
    GatewayCharge,
    GatewayRefunds,
    Onboarding,
    OrderView,
    PaymentView,
    RefundView,
    Refused,
    SavedCard,
    StoreRef,
    StoreView,
)

T = TypeVar("T")
STORY_START = datetime(2026, 11, 27, 9, tzinfo=UTC)
WEBHOOK_SECRET = "whsec_workflows"
MAX_RELEASES = 5


class NewestFirst(random.Random):
    """Delivers held events in the reverse of the order they were sent."""

    def shuffle(self, x: list[Any]) -> None:  # type: ignore[override]
        x.reverse()


class UseCaseMarketplace:
    def __init__(self, runner: asyncio.Runner, uow_factory: UnitOfWorkFactory) -> None:
        self._runner = runner
        self._uow_factory = uow_factory
        self.clock = ManualClock(STORY_START)
        emulated = emulated_stripe(webhook_secret=WEBHOOK_SECRET, clock=self.clock.now)
        self.gateway, self.stripe = emulated.gateway, emulated.emulator
        self.use_cases = UseCases(
            Ports(
                uow_factory=uow_factory,
                gateway=self.gateway,
                clock=self.clock,
                ids=SequentialIds(),
                secrets=RandomSecrets(),
                signer=HmacTokenSigner(b"workflow scenarios sign with this"),
                settings=ServiceSettings(
                    public_url="http://127.0.0.1:8000",
                    default_fee_percentage=Percentage.parse("2.5"),
                    stuck_payment_age=timedelta(minutes=15),
                ),
                token_uses=MemoryTokenUses(),
            )
        )
        self.stripe.connect_delivery(self._deliver)

    async def _deliver(self, payload: bytes, signature: str, connect: bool) -> None:
        await self.use_cases.handle_gateway_event(payload, signature, connect=connect)

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        """``work``'s result; a refusal of storepay's, or of Stripe's test mode (a card the
        customer never saved), as :class:`Refused`."""
        try:
            return self._runner.run(work)
        except DomainError as error:
            raise Refused(error.code, error.message) from error
        except EmulatorError as error:
            raise Refused(error.code or error.type, error.message) from error

    def _store(self, store: StoreRef) -> Store:
        return self._run(self.use_cases.get_store(store.id))

    def _account(self, store: StoreRef) -> str:
        account = self._store(store).account
        assert account is not None, "the store has no connected account"
        return account.account_id

    # -- the platform -------------------------------------------------------------------------

    def open_store(self, name: str, currency: str) -> StoreRef:
        email = f"owner@{name.lower().replace(' ', '-')}.example"
        created = self._run(self.use_cases.create_store(NewStore(name, email, currency=currency)))
        return StoreRef(created.store.id, created.api_key)

    def set_fee(self, store: StoreRef, percentage: str, fixed: Money | None) -> None:
        fixed_amount = 0 if fixed is None else fixed.minor_units
        self._run(self.use_cases.set_fee_policy(NewFeePolicy(store.id, percentage, fixed_amount)))

    def rotate_api_key(self, store: StoreRef) -> str:
        store.api_key = self._run(self.use_cases.rotate_api_key(store.id))
        return store.api_key

    def identify(self, api_key: str) -> str:
        return self._run(self.use_cases.authenticate_store(api_key)).id

    def platform_fees(self) -> FeeReport:
        report = self._run(self.use_cases.report_platform_fees())
        by_store: dict[str, list[Fees]] = {}
        for line in report.by_store:
            by_store.setdefault(line.store_id, []).append(_fees(line.fees))
        return FeeReport(totals=[_fees(fees) for fees in report.totals], by_store=by_store)

    # -- a store's back office ----------------------------------------------------------------

    def set_up_payments(self, store: StoreRef) -> Onboarding:
        setup = self._run(self.use_cases.set_up_payments(PaymentSetup(store.id)))
        return Onboarding(setup.account_id, setup.onboarding.url, setup.onboarding.expires_at)

    def fresh_onboarding_link(self, store: StoreRef) -> Onboarding:
        link = self._run(self.use_cases.refresh_onboarding_link(store.id))
        return Onboarding(self._account(store), link.url, link.expires_at)

    def return_from_onboarding(self, store: StoreRef) -> StoreView:
        session = self.stripe.latest_onboarding_link(self._account(store))
        token = parse_qs(urlsplit(session.return_url).query)["token"][0]
        return _store_view(self._run(self.use_cases.check_onboarding(store.id, token)).store)

    def store(self, store: StoreRef) -> StoreView:
        return _store_view(self._store(store))

    def change_payouts(
        self, store: StoreRef, *, schedule: str | None = None, minimum: Money | None = None
    ) -> StoreView:
        change = PayoutChange(
            store.id,
            payout_schedule=schedule,
            minimum_payout=None if minimum is None else minimum.minor_units,
        )
        return _store_view(self._run(self.use_cases.change_payout_settings(change)))

    def register_order(
        self, store: StoreRef, reference: str, customer_email: str, amount: Money
    ) -> OrderView:
        order = NewOrder(
            store.id, reference, customer_email, amount.minor_units, amount.currency.code
        )
        return _order_view(self._run(self.use_cases.register_order(order)).order)

    def order(self, store: StoreRef, order: str) -> OrderView:
        return _order_view(self._run(self.use_cases.get_order(store.id, order)))

    def payment(self, store: StoreRef, payment: str) -> PaymentView:
        return _payment_view(self._run(self.use_cases.get_payment(store.id, payment)))

    def payments(self, store: StoreRef) -> list[PaymentView]:
        page = self._run(self.use_cases.list_payments(PaymentQuery(store.id, limit=100)))
        return [_payment_view(payment) for payment in page.data]

    def refund(
        self,
        store: StoreRef,
        payment: str,
        amount: Money | None = None,
        idempotency_key: str | None = None,
    ) -> RefundView:
        command = RefundOrder(
            store.id,
            payment,
            amount=None if amount is None else amount.minor_units,
            idempotency_key=idempotency_key,
        )
        return _refund_view(self._run(self.use_cases.refund_payment(command)).refund)

    def balances(self, store: StoreRef) -> list[Balance]:
        return [
            Balance(
                currency=balance.currency.code,
                gross_volume=balance.gross_volume,
                platform_fees=balance.platform_fees,
                refunds=balance.refunds,
                fee_refunds=balance.fee_refunds,
                disputed=balance.disputed,
                net=balance.net,
            )
            for balance in self._run(self.use_cases.get_balance(store.id))
        ]

    def saved_cards(self, store: StoreRef, customer_email: str) -> list[SavedCard]:
        methods = self._run(self.use_cases.list_payment_methods(store.id, customer_email))
        return [
            SavedCard(m.id, m.card_brand or "", m.card_last4 or "", m.is_default) for m in methods
        ]

    def make_default_card(self, store: StoreRef, customer_email: str, card: str) -> None:
        self._run(self.use_cases.set_default_payment_method(store.id, customer_email, card))

    def remove_card(self, store: StoreRef, customer_email: str, card: str) -> None:
        self._run(self.use_cases.remove_payment_method(store.id, customer_email, card))

    def customer_session(self, store: StoreRef, order: str) -> str:
        issued = self._run(self.use_cases.create_customer_session(SessionForOrder(store.id, order)))
        return issued.token

    # -- the storefront -----------------------------------------------------------------------

    def preview_fee(self, store: StoreRef, amount: Money) -> Breakdown:
        preview = self.use_cases.preview_fee(store.id, amount.minor_units, amount.currency.code)
        return _breakdown(self._run(preview))

    def check_out(
        self,
        store: StoreRef,
        order: str,
        amount: Money,
        customer_email: str,
        *,
        save_card: bool = False,
        customer_session: str | None = None,
    ) -> Checkout:
        command = IntentForOrder(
            store.id,
            order,
            amount.minor_units,
            customer_email,
            currency=amount.currency.code,
            save_payment_method=save_card,
            customer_session=customer_session,
        )
        made = self._run(self.use_cases.create_payment_intent(command))
        return _checkout(made.payment, made.intent, made.breakdown)

    def cards_offered(self, store: StoreRef, order: str, customer_session: str | None) -> list[str]:
        shown = self.use_cases.show_checkout(store.id, order, customer_session=customer_session)
        return [card.id for card in self._run(shown).saved_cards]

    # -- the gateway's test mode --------------------------------------------------------------

    def pay(self, checkout: Checkout, card_number: str) -> None:
        self._run(self.stripe.confirm(checkout.intent, checkout.client_secret, card_number))

    def pay_with_saved_card(self, checkout: Checkout, card: str) -> None:
        confirm = self.stripe.confirm_with_saved_card(checkout.intent, checkout.client_secret, card)
        self._run(confirm)

    def authenticate(self, checkout: Checkout, *, success: bool) -> None:
        self._run(self.stripe.authenticate(checkout.intent, checkout.client_secret, success))

    def charge_at_gateway(self, checkout: Checkout) -> GatewayCharge:
        intent = self.stripe.retrieve_object(checkout.intent)
        currency = str(intent["currency"])
        return GatewayCharge(
            amount=Money.of(int(intent["amount"]), currency),
            platform_fee=Money.of(int(intent["application_fee_amount"]), currency),
            destination=str(intent["transfer_data"]["destination"]),
        )

    def refunds_at_gateway(self, checkout: Checkout) -> GatewayRefunds:
        total = self.stripe.retrieve_object(checkout.intent)
        amount = fee = Money.zero(str(total["currency"]))
        for refund in self._gateway_refunds(checkout.intent):
            if refund.holds_amount:
                amount, fee = amount + refund.amount, fee + refund.application_fee_refund
        return GatewayRefunds(amount, fee)

    def _gateway_refunds(self, intent_id: str) -> list[RefundRecord]:
        async def of_intent() -> Payment | None:
            async with self._uow_factory() as uow:
                return await uow.payments.by_intent_id(intent_id)

        payment = self._run(of_intent())
        assert payment is not None, "no payment for this checkout"
        return [
            self.stripe.refund_record(refund.gateway_refund_id)
            for refund in payment.refunds
            if refund.gateway_refund_id is not None
        ]

    def finish_onboarding(self, store: StoreRef) -> None:
        self._run(self.stripe.complete_onboarding(self._account(store)))

    def disconnect(self, store: StoreRef) -> None:
        self._run(self.stripe.deauthorize(self._account(store)))

    def payout_schedule_at_gateway(self, store: StoreRef) -> str:
        account = self.stripe.retrieve_object(self._account(store))
        return str(account["settings"]["payouts"]["schedule"]["interval"])

    def card_kept_at_gateway(self, card: str) -> bool:
        return self.stripe.retrieve_object(card)["customer"] is not None

    def open_dispute(self, checkout: Checkout) -> None:
        self._run(self.stripe.open_dispute(checkout.intent))

    def close_dispute(self, checkout: Checkout, *, won: bool) -> None:
        dispute = self.stripe.dispute_of(checkout.intent)
        self._run(self.stripe.close_dispute(dispute, won=won))

    def fail_next_refund(self) -> None:
        self.stripe.fail_next_refund()

    def settle_refunds(self) -> None:
        self._run(self.stripe.settle_refunds())

    def hold_webhooks(self) -> None:
        self.stripe.delivery_mode = "held"

    def release_webhooks(self, *, order: str, duplicates: float) -> None:
        for _ in range(MAX_RELEASES):
            if not self.stripe.waiting_deliveries:
                return
            self._run(self.stripe.release(shuffle=delivery_order(order), duplicate=duplicates))
        assert not self.stripe.waiting_deliveries, "events are still refused after retries"

    def webhooks_refused(self) -> int:
        return len(self.stripe.failed_deliveries)

    # -- time and housekeeping ----------------------------------------------------------------

    def pass_time(self, by: timedelta) -> None:
        self.clock.advance(by)

    def reconcile(self) -> int:
        report = self._run(self.use_cases.reconcile())
        assert report.failures == 0, report
        return report.payments_changed


def delivery_order(order: str) -> random.Random | None:
    if order == "sent":
        return None
    if order == "newest first":
        return NewestFirst()
    kind, _, seed = order.partition(" ")
    if kind != "shuffled" or not seed.isdigit():
        raise ValueError(f"no delivery order {order!r}")
    return random.Random(int(seed))


def _store_view(store: Store) -> StoreView:
    return StoreView(
        account=None if store.account is None else store.account.account_id,
        account_status=store.account_status.value,
        accepts_payments=store.accepts_payments,
        needs_onboarding=store.needs_onboarding,
        currency=store.currency.code,
        payout_schedule=store.payout_settings.schedule.interval.value,
        minimum_payout=store.payout_settings.minimum_payout,
    )


def _order_view(order: Order) -> OrderView:
    return OrderView(
        id=order.id,
        reference=order.reference,
        customer_email=order.customer_email,
        amount=order.amount,
        status=order.status.value,
        payment_status=order.payment_status.value,
    )


def _breakdown(breakdown: FeeBreakdown) -> Breakdown:
    return Breakdown(breakdown.total, breakdown.platform_fee, breakdown.store_amount)


def _checkout(payment: Payment, intent: GatewayIntent, breakdown: FeeBreakdown) -> Checkout:
    return Checkout(payment.id, intent.id, intent.client_secret, _breakdown(breakdown))


def _refund_view(refund: Refund) -> RefundView:
    return RefundView(
        id=refund.id,
        amount=refund.amount,
        status=refund.status.value,
        platform_fee_refunded=refund.platform_fee_refunded,
        store_amount_refunded=refund.store_amount_refunded,
    )


def _payment_view(payment: Payment) -> PaymentView:
    return PaymentView(
        id=payment.id,
        status=payment.status.value,
        amount_total=payment.amount_total,
        amount_store=payment.amount_store,
        amount_platform_fee=payment.amount_platform_fee,
        amount_refunded=payment.amount_refunded,
        refundable=payment.refundable_amount,
        failure_reason=payment.failure_reason,
        refunds=[_refund_view(refund) for refund in payment.refunds],
    )


def _fees(fees: PlatformFees) -> Fees:
    return Fees(fees.currency.code, fees.fees_collected, fees.fees_refunded, fees.net)
