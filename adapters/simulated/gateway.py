"""A payment gateway that behaves like Stripe's test mode, in memory.

It keeps accounts, payment intents, charges, refunds, disputes, customers and payment methods,
answers the ``PaymentGateway`` port like Stripe would, and sends Stripe-shaped, signed events
through ``adapters.simulated.delivery``. Beyond the port it offers what a shopper, a store or the
card networks do in Stripe's test mode: paying with a test card, passing 3-D Secure, finishing
onboarding, disputes, payouts and failing refunds.
"""

from __future__ import annotations

import hmac
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import stripe

from adapters.simulated import cards
from adapters.simulated.cards import Card, Decline, Outcome
from adapters.simulated.delivery import (
    Delivery,
    DeliveryCallback,
    DeliveryMode,
    FailedDelivery,
    Outbox,
)
from adapters.simulated.events import (
    REFUND_ID_METADATA_KEY,
    attempt_failure_reason,
    decode,
    refund_reason,
)
from adapters.simulated.idempotency import IdempotencyKeys
from adapters.simulated.ids import IdFactory, random_ids
from adapters.simulated.objects import (
    JSON,
    AccountRecord,
    CardDetails,
    ChargeRecord,
    CustomerRecord,
    DisputeRecord,
    IntentRecord,
    PaymentMethodRecord,
    PayoutRecord,
    RefundRecord,
    unix,
)
from adapters.simulated.signatures import verify
from application.gateway import (
    GatewayAccount,
    GatewayError,
    GatewayEvent,
    GatewayIntent,
    IntentRequest,
    NewAccount,
    OnboardingLink,
    RefundRequest,
    SavedCard,
)
from domain.errors import DomainError
from domain.money import Money
from domain.payment import IntentObservation, IntentState
from domain.payout import PayoutSchedule
from domain.refund import RefundObservation, RefundStatus

API_VERSION = stripe.api_version
APPLICATION_ID = "ca_storepay"
REFUND_FAILURE_REASON = "expired_or_canceled_card"
_CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
_OPEN_DISPUTE = ("warning_needs_response", "warning_under_review", "needs_response", "under_review")


class UnknownPaymentMethod(GatewayError):
    """No such saved card for the paying customer (Stripe: ``resource_missing``)."""

    code = "resource_missing"


@dataclass(frozen=True, slots=True)
class OnboardingSession:
    """The latest onboarding link of an account, with where the hosted page sends the store."""

    account_id: str
    url: str
    refresh_url: str
    return_url: str
    expires_at: datetime


class SimulatedGateway:
    def __init__(
        self,
        *,
        webhook_secret: str,
        connect_webhook_secret: str | None = None,
        public_url: str = "http://127.0.0.1:8000",
        clock: Callable[[], datetime] | None = None,
        ids: IdFactory | None = None,
        deliver: DeliveryCallback | None = None,
        delivery_mode: DeliveryMode | str = DeliveryMode.IMMEDIATE,
        onboarding_link_lifetime: timedelta = timedelta(minutes=5),
        redelivery: Sequence[float] = (),
    ) -> None:
        self._webhook_secret = webhook_secret
        self._connect_webhook_secret = connect_webhook_secret or webhook_secret
        self._public_url = public_url.rstrip("/")
        self._clock = clock or (lambda: datetime.now(UTC))
        self._ids = ids or random_ids()
        self._link_lifetime = onboarding_link_lifetime
        self._outbox = Outbox(
            webhook_secret=self._webhook_secret,
            connect_webhook_secret=self._connect_webhook_secret,
            clock=self._now,
            callback=deliver,
            mode=DeliveryMode(delivery_mode),
            redelivery=redelivery,
        )
        self._keys = IdempotencyKeys()
        self._accounts: dict[str, AccountRecord] = {}
        self._links: dict[str, OnboardingSession] = {}
        self._intents: dict[str, IntentRecord] = {}
        self._charges: dict[str, ChargeRecord] = {}
        self._refunds: dict[str, RefundRecord] = {}
        self._disputes: dict[str, DisputeRecord] = {}
        self._customers: dict[str, CustomerRecord] = {}
        self._customer_ids: dict[tuple[str, str], str] = {}
        self._payment_methods: dict[str, PaymentMethodRecord] = {}
        self._method_cards: dict[str, Card] = {}  # the test card behind each payment method
        self._payouts: dict[str, PayoutRecord] = {}
        self._next_refund_failure: str | None = None

    @property
    def name(self) -> str:
        return "simulated"

    @property
    def publishable_key(self) -> str | None:
        return None

    # -- connected accounts -----------------------------------------------------------------

    async def create_account(self, request: NewAccount) -> GatewayAccount:
        replayed = self._keys.replay(
            request.idempotency_key, "create_account", request, GatewayAccount
        )
        if replayed is not None:
            return replayed
        country = request.country.upper()
        if len(country) != 2 or not country.isalpha():
            raise GatewayError(f"{request.country!r} is not a country code")
        now = self._now()
        account = AccountRecord(
            id=self._ids("acct"),
            store_id=request.store_id,
            business_name=request.business_name,
            email=request.email,
            country=country,
            created=now,
            address={"country": country},
        )
        self._accounts[account.id] = account
        result = GatewayAccount(account.id, account.snapshot(now))
        self._keys.remember(request.idempotency_key, "create_account", request, result)
        return result

    async def retrieve_account(self, account_id: str) -> GatewayAccount:
        account = self._account(account_id)
        return GatewayAccount(account.id, account.snapshot(self._now()))

    async def create_onboarding_link(
        self, account_id: str, *, refresh_url: str, return_url: str
    ) -> OnboardingLink:
        account = self._account(account_id)
        if not refresh_url or not return_url:
            raise GatewayError("an onboarding link needs a refresh_url and a return_url")
        session = OnboardingSession(
            account_id=account.id,
            url=f"{self._public_url}/simulator/onboarding/{account.id}",
            refresh_url=refresh_url,
            return_url=return_url,
            expires_at=self._now() + self._link_lifetime,
        )
        self._links[account.id] = session
        return OnboardingLink(url=session.url, expires_at=session.expires_at)

    async def set_payout_schedule(self, account_id: str, schedule: PayoutSchedule) -> None:
        account = self._account(account_id)
        before = account.to_stripe()["settings"]
        account.schedule = schedule
        await self._emit(
            "account.updated",
            account.to_stripe(),
            account=account.id,
            previous={"settings": before},
        )

    # -- payments ---------------------------------------------------------------------------

    async def create_payment_intent(self, request: IntentRequest) -> GatewayIntent:
        replayed = self._keys.replay(
            request.idempotency_key, "create_payment_intent", request, GatewayIntent
        )
        if replayed is not None:
            return replayed
        amount, fee = request.amount, request.application_fee
        try:
            amount.check_chargeable()
        except DomainError as error:
            raise GatewayError(f"Invalid amount: {error.message}") from None
        if fee.currency != amount.currency:
            raise GatewayError("application_fee_amount is in another currency than the amount")
        if fee.is_negative or fee > amount:
            raise GatewayError(
                f"application_fee_amount ({fee}) must be between zero and the amount ({amount})"
            )
        destination = self._accounts.get(request.destination_account)
        if destination is None or destination.deauthorized:
            raise GatewayError(f"No such destination: '{request.destination_account}'")
        if not destination.charges_enabled:
            raise GatewayError(
                f"The destination account {destination.id} cannot currently make charges: "
                f"its card_payments capability is not active"
            )
        if request.customer_id is not None and request.customer_id not in self._customers:
            raise GatewayError(f"No such customer: '{request.customer_id}'")
        now = self._now()
        intent_id = self._ids("pi")
        intent = IntentRecord(
            id=intent_id,
            client_secret=f"{intent_id}_secret_{self._ids('secret').rpartition('_')[2]}",
            amount=amount,
            application_fee=fee,
            destination=destination.id,
            receipt_email=request.receipt_email,
            created=now,
            customer=request.customer_id,
            save_payment_method=request.save_payment_method,
            metadata=dict(request.metadata),
        )
        self._intents[intent.id] = intent
        result = self._gateway_intent(intent, now)
        self._keys.remember(request.idempotency_key, "create_payment_intent", request, result)
        await self._emit("payment_intent.created", intent.to_stripe())
        return result

    async def retrieve_payment_intent(self, payment_intent_id: str) -> GatewayIntent:
        return self._gateway_intent(self._intent(payment_intent_id), self._now())

    async def cancel_payment_intent(self, payment_intent_id: str) -> GatewayIntent:
        intent = self._intent(payment_intent_id)
        if intent.status in ("succeeded", "canceled"):
            raise GatewayError(
                f"You cannot cancel this PaymentIntent because it has a status of {intent.status}."
            )
        now = self._now()
        intent.status = "canceled"
        intent.canceled_at = now
        intent.card_awaiting_authentication = None
        await self._emit("payment_intent.canceled", intent.to_stripe())
        return self._gateway_intent(intent, now)

    async def create_refund(self, request: RefundRequest) -> RefundObservation:
        replayed = self._keys.replay(
            request.idempotency_key, "create_refund", request, RefundObservation
        )
        if replayed is not None:
            return replayed
        intent = self._intent(request.payment_intent_id)
        if intent.status != "succeeded" or intent.latest_charge is None:
            raise GatewayError(
                f"PaymentIntent {intent.id} does not have a successful charge to refund."
            )
        charge = self._charges[intent.latest_charge]
        if any(dispute.status != "won" for dispute in self._disputes_of(charge.id)):
            raise GatewayError(f"Charge {charge.id} has been charged back; cannot issue a refund.")
        amount, fee_refund = request.amount, request.application_fee_refund
        if amount.currency != charge.amount.currency or fee_refund.currency != amount.currency:
            raise GatewayError(f"A refund of {charge.id} is in {charge.amount.currency.code}")
        if not amount.is_positive:
            raise GatewayError(f"A refund must be positive, not {amount}")
        left = Money(charge.refundable, amount.currency)
        if amount > left:
            raise GatewayError(
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})"
            )
        fee_left = charge.application_fee - self._sum(
            (r.application_fee_refund for r in self._refunds_of(charge.id) if r.holds_amount),
            charge.application_fee,
        )
        if fee_refund.is_negative or fee_refund > amount or fee_refund > fee_left:
            raise GatewayError(
                f"The application fee refund ({fee_refund}) must be between zero and the "
                f"refund ({amount}) and at most the fee not yet refunded ({fee_left})"
            )
        armed, self._next_refund_failure = self._next_refund_failure, None
        fails_with = armed or (REFUND_FAILURE_REASON if charge.refunds_fail else None)
        now = self._now()
        refund = RefundRecord(
            id=self._ids("re"),
            payment_intent=intent.id,
            charge=charge.id,
            amount=amount,
            application_fee_refund=fee_refund,
            reverse_transfer=True,
            created=now,
            status="succeeded" if armed is None else "pending",
            reason=None if request.reason is None else request.reason.value,
            metadata=dict(request.metadata),
            fails_with=fails_with,
        )
        self._refunds[refund.id] = refund
        charge.amount_refunded += amount.minor_units
        result = self._refund_observation(refund, now)
        self._keys.remember(request.idempotency_key, "create_refund", request, result)
        await self._emit("refund.created", refund.to_stripe())
        await self._emit("charge.refunded", charge.to_stripe())
        return result

    async def retrieve_refund(self, gateway_refund_id: str) -> RefundObservation:
        refund = self._refunds.get(gateway_refund_id)
        if refund is None:
            raise GatewayError(f"No such refund: '{gateway_refund_id}'")
        return self._refund_observation(refund, self._now())

    # -- shoppers and their saved cards -----------------------------------------------------

    async def ensure_customer(self, *, email: str, store_id: str) -> str:
        key = (store_id, email.strip().lower())
        existing = self._customer_ids.get(key)
        if existing is not None:
            return existing
        customer = CustomerRecord(
            id=self._ids("cus"), email=email.strip(), store_id=store_id, created=self._now()
        )
        self._customers[customer.id] = customer
        self._customer_ids[key] = customer.id
        await self._emit("customer.created", customer.to_stripe())
        return customer.id

    async def list_payment_methods(self, customer_id: str) -> list[SavedCard]:
        if customer_id not in self._customers:
            raise GatewayError(f"No such customer: '{customer_id}'")
        methods = [m for m in self._payment_methods.values() if m.customer == customer_id]
        return [_saved_card(method, customer_id) for method in reversed(methods)]

    async def detach_payment_method(self, payment_method_id: str) -> None:
        method = self._payment_methods.get(payment_method_id)
        if method is None:
            raise GatewayError(f"No such PaymentMethod: '{payment_method_id}'")
        if method.customer is None:
            raise GatewayError(
                f"The payment method {payment_method_id} is not attached to a customer "
                f"so detachment is impossible."
            )
        customer, method.customer = method.customer, None
        await self._emit(
            "payment_method.detached", method.to_stripe(), previous={"customer": customer}
        )

    # -- webhooks ---------------------------------------------------------------------------

    def parse_event(self, payload: bytes, signature_header: str, *, connect: bool) -> GatewayEvent:
        secret = self._connect_webhook_secret if connect else self._webhook_secret
        verify(payload, signature_header, secret, self._now())
        return decode(payload)

    def type_event(self, payload: bytes, *, connect: bool) -> GatewayEvent:
        return decode(payload)

    def connect_delivery(
        self, deliver: DeliveryCallback, mode: DeliveryMode | str | None = None
    ) -> None:
        self._outbox.connect(deliver, None if mode is None else DeliveryMode(mode))

    @property
    def delivery_mode(self) -> DeliveryMode:
        return self._outbox.mode

    @delivery_mode.setter
    def delivery_mode(self, mode: DeliveryMode | str) -> None:
        self._outbox.mode = DeliveryMode(mode)

    async def release(
        self, *, shuffle: random.Random | None = None, duplicate: bool | float = False
    ) -> int:
        """Deliver every held (or failed) event; returns the number of deliveries made."""
        return await self._outbox.release(shuffle=shuffle, duplicate=duplicate)

    async def aclose(self) -> None:
        """Stop sending failed deliveries again in the background."""
        await self._outbox.aclose()

    @property
    def sent_events(self) -> list[JSON]:
        """Every event emitted, in the order it happened."""
        return list(self._outbox.sent_events)

    @property
    def deliveries(self) -> list[Delivery]:
        """Every delivery the callback accepted, in the order made (duplicates included)."""
        return list(self._outbox.delivered)

    @property
    def failed_deliveries(self) -> list[FailedDelivery]:
        return list(self._outbox.failed)

    @property
    def waiting_deliveries(self) -> list[Delivery]:
        return self._outbox.waiting

    # -- what shoppers, stores and banks do in test mode ------------------------------------

    async def confirm(
        self,
        payment_intent_id: str,
        client_secret: str,
        card_number: str,
        *,
        exp_month: int = 12,
        exp_year: int | None = None,
    ) -> GatewayIntent:
        """Pay with a card: one of Stripe's test cards decides what happens (see ``cards``)."""
        intent = self._confirmable(payment_intent_id, client_secret)
        now = self._now()
        expiry_year = now.year + 3 if exp_year is None else exp_year
        if not 1 <= exp_month <= 12:
            raise GatewayError(f"Your card's expiration month is invalid ({exp_month}).")
        card = cards.card_for(card_number)
        method = PaymentMethodRecord(
            id=self._ids("pm"),
            card=CardDetails(card.brand, card.last4, exp_month, expiry_year),
            created=now,
        )
        self._payment_methods[method.id] = method
        self._method_cards[method.id] = card
        return await self._attempt(intent, method, card)

    async def confirm_with_saved_card(
        self, payment_intent_id: str, client_secret: str, payment_method_id: str
    ) -> GatewayIntent:
        """Pay with a card the intent's customer saved earlier: it does what its test card does
        (a 3-D Secure card asks again, as Stripe's does on session)."""
        intent = self._confirmable(payment_intent_id, client_secret)
        method = self._payment_methods.get(payment_method_id)
        if method is None or intent.customer is None or method.customer != intent.customer:
            raise UnknownPaymentMethod(f"No such PaymentMethod: '{payment_method_id}'")
        return await self._attempt(intent, method, self._method_cards[method.id])

    def _confirmable(self, payment_intent_id: str, client_secret: str) -> IntentRecord:
        intent = self._intent_for_shopper(payment_intent_id, client_secret)
        if intent.status not in _CONFIRMABLE:
            raise GatewayError(
                f"You cannot confirm this PaymentIntent because it has a status of {intent.status}."
            )
        return intent

    async def _attempt(
        self, intent: IntentRecord, method: PaymentMethodRecord, card: Card
    ) -> GatewayIntent:
        now = self._now()
        if (method.card.exp_year, method.card.exp_month) < (now.year, now.month):
            card = Card(card.number, Outcome.DECLINED, cards.EXPIRED)
        intent.payment_method = method.id
        intent.last_payment_error = None
        intent.card_awaiting_authentication = None
        if card.outcome is Outcome.REQUIRES_AUTHENTICATION:
            intent.status = "requires_action"
            intent.card_awaiting_authentication = card
            await self._emit("payment_intent.requires_action", intent.to_stripe())
        elif card.decline is not None:
            await self._decline(intent, method, card.decline)
        else:
            await self._succeed(intent, method, card)
        return self._gateway_intent(intent, self._now())

    async def authenticate(
        self, payment_intent_id: str, client_secret: str, success: bool
    ) -> GatewayIntent:
        """Finish the 3-D Secure step of an intent that ``requires_action``."""
        intent = self._intent_for_shopper(payment_intent_id, client_secret)
        card = intent.card_awaiting_authentication
        if intent.status != "requires_action" or card is None or intent.payment_method is None:
            raise GatewayError(
                f"PaymentIntent {intent.id} has no authentication to finish "
                f"(status {intent.status})."
            )
        intent.card_awaiting_authentication = None
        if success:
            await self._succeed(intent, self._payment_methods[intent.payment_method], card)
        else:
            intent.status = "requires_payment_method"
            intent.last_payment_error = cards.AUTHENTICATION_FAILURE
            await self._emit("payment_intent.payment_failed", intent.to_stripe())
        return self._gateway_intent(intent, self._now())

    async def complete_onboarding(self, account_id: str) -> None:
        account = self._account(account_id)
        before = account.to_stripe()
        account.complete_onboarding()
        await self._emit(
            "account.updated",
            account.to_stripe(),
            account=account.id,
            previous={
                key: before[key]
                for key in ("charges_enabled", "payouts_enabled", "details_submitted")
            },
        )

    async def deauthorize(self, account_id: str) -> None:
        """The store disconnects the platform from its account, which then answers no more."""
        account = self._account(account_id)
        account.deauthorized = True
        await self._emit(
            "account.application.deauthorized",
            {"id": APPLICATION_ID, "object": "application", "name": "storepay"},
            account=account.id,
        )

    def latest_onboarding_link(self, account_id: str) -> OnboardingSession:
        session = self._links.get(account_id)
        if session is None:
            raise GatewayError(f"Account {account_id} has no onboarding link")
        return session

    async def open_dispute(
        self,
        payment_intent_id: str,
        *,
        amount: Money | None = None,
        reason: str = "fraudulent",
        inquiry: bool = False,
    ) -> str:
        """The shopper's bank disputes the payment (an ``inquiry`` takes no money yet)."""
        intent = self._intent(payment_intent_id)
        if intent.status != "succeeded" or intent.latest_charge is None:
            raise GatewayError(f"PaymentIntent {intent.id} has no successful charge to dispute")
        charge = self._charges[intent.latest_charge]
        if charge.disputed:
            raise GatewayError(f"Charge {charge.id} is already disputed")
        # The shopper's bank disputes what the shopper is still out of pocket.
        left = Money(charge.refundable, charge.amount.currency)
        disputed = left if amount is None else amount
        if disputed.currency != charge.amount.currency or not (
            disputed.is_positive and disputed <= left
        ):
            raise GatewayError(f"A dispute of {charge.id} takes up to {left}")
        dispute = DisputeRecord(
            id=self._ids("dp"),
            charge=charge.id,
            payment_intent=intent.id,
            amount=disputed,
            reason=reason,
            status="warning_needs_response" if inquiry else "needs_response",
            created=self._now(),
        )
        self._disputes[dispute.id] = dispute
        charge.disputed = True
        await self._emit("charge.dispute.created", dispute.to_stripe())
        if not inquiry:
            await self._emit("charge.dispute.funds_withdrawn", dispute.to_stripe())
        return dispute.id

    async def submit_dispute_evidence(self, dispute_id: str) -> None:
        dispute = self._dispute(dispute_id)
        following = {
            "needs_response": "under_review",
            "warning_needs_response": "warning_under_review",
        }.get(dispute.status)
        if following is None:
            raise GatewayError(f"Dispute {dispute.id} does not await evidence ({dispute.status})")
        before, dispute.status = dispute.status, following
        await self._emit("charge.dispute.updated", dispute.to_stripe(), previous={"status": before})

    async def close_dispute(self, dispute_id: str, *, won: bool) -> None:
        dispute = self._dispute(dispute_id)
        if dispute.status not in _OPEN_DISPUTE:
            raise GatewayError(f"Dispute {dispute.id} is already closed ({dispute.status})")
        inquiry = dispute.status.startswith("warning_")
        if inquiry and not won:
            raise GatewayError(f"Dispute {dispute.id} is an inquiry: it closes without a loss")
        dispute.status = ("warning_closed" if inquiry else "won") if won else "lost"
        await self._emit("charge.dispute.closed", dispute.to_stripe())
        if won and not inquiry:
            await self._emit("charge.dispute.funds_reinstated", dispute.to_stripe())

    def dispute_of(self, payment_intent_id: str) -> str:
        for dispute in self._disputes.values():
            if dispute.payment_intent == payment_intent_id:
                return dispute.id
        raise GatewayError(f"PaymentIntent {payment_intent_id} has no dispute")

    def fail_next_refund(self, failure_reason: str = "declined") -> None:
        """Answer the next refund ``pending``; ``settle_refunds`` then makes it fail."""
        self._next_refund_failure = failure_reason

    async def settle_refunds(self) -> int:
        """Fail every refund meant to fail (see ``fail_next_refund`` and ``cards.REFUND_FAILS``);
        returns how many did."""
        failing = [
            refund
            for refund in self._refunds.values()
            if refund.fails_with is not None and refund.holds_amount
        ]
        for refund in failing:
            await self._fail_refund(refund, refund.fails_with or REFUND_FAILURE_REASON)
        return len(failing)

    async def fail_refund(self, refund_id: str, failure_reason: str = "declined") -> None:
        """The shopper's bank returns a refund, even one that had succeeded."""
        refund = self._refunds.get(refund_id)
        if refund is None:
            raise GatewayError(f"No such refund: '{refund_id}'")
        if not refund.holds_amount:
            raise GatewayError(f"Refund {refund.id} has already ended ({refund.status})")
        await self._fail_refund(refund, failure_reason)

    def refund_record(self, refund_id: str) -> RefundRecord:
        refund = self._refunds.get(refund_id)
        if refund is None:
            raise GatewayError(f"No such refund: '{refund_id}'")
        return refund

    async def pay_out(
        self, account_id: str, amount: Money, *, failure_code: str | None = None
    ) -> str:
        """The connected account pays ``amount`` out to the store's bank (or fails to)."""
        account = self._account(account_id)
        if not amount.is_positive:
            raise GatewayError(f"A payout must be positive, not {amount}")
        now = self._now()
        payout = PayoutRecord(
            id=self._ids("po"),
            account=account.id,
            amount=amount,
            status="pending",
            created=now,
            arrival=now + timedelta(days=2),
        )
        self._payouts[payout.id] = payout
        await self._emit("payout.created", payout.to_stripe(), account=account.id)
        payout.status = "paid" if failure_code is None else "failed"
        payout.failure_code = failure_code
        await self._emit(f"payout.{payout.status}", payout.to_stripe(), account=account.id)
        return payout.id

    def retrieve_object(self, object_id: str) -> JSON:
        """Any object the simulator holds, as Stripe would show it."""
        stores: Iterable[dict[str, Any]] = (
            self._accounts,
            self._intents,
            self._charges,
            self._refunds,
            self._disputes,
            self._customers,
            self._payment_methods,
            self._payouts,
        )
        for store in stores:
            record = store.get(object_id)
            if record is not None:
                document: JSON = record.to_stripe()
                return document
        raise GatewayError(f"No such object: '{object_id}'")

    # -- inside -----------------------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the simulated gateway's clock must give timezone-aware times")
        return now.astimezone(UTC).replace(microsecond=0)

    async def _emit(
        self,
        event_type: str,
        obj: JSON,
        *,
        account: str | None = None,
        previous: JSON | None = None,
    ) -> None:
        data: JSON = {"object": obj}
        if previous is not None:
            data["previous_attributes"] = previous
        event: JSON = {
            "id": self._ids("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": unix(self._now()),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        if account is not None:
            event["account"] = account
        await self._outbox.emit(event, connect=account is not None)

    def _account(self, account_id: str) -> AccountRecord:
        account = self._accounts.get(account_id)
        if account is None:
            raise GatewayError(f"No such account: '{account_id}'")
        if account.deauthorized:
            raise GatewayError(
                f"The provided key does not have access to account '{account_id}' "
                f"(or that account does not exist)."
            )
        return account

    def _intent(self, payment_intent_id: str) -> IntentRecord:
        intent = self._intents.get(payment_intent_id)
        if intent is None:
            raise GatewayError(f"No such payment_intent: '{payment_intent_id}'")
        return intent

    def _intent_for_shopper(self, payment_intent_id: str, client_secret: str) -> IntentRecord:
        intent = self._intent(payment_intent_id)
        if not hmac.compare_digest(intent.client_secret.encode(), client_secret.encode()):
            raise GatewayError(
                f"The client_secret provided does not match the client_secret associated "
                f"with the PaymentIntent {payment_intent_id}."
            )
        return intent

    def _dispute(self, dispute_id: str) -> DisputeRecord:
        dispute = self._disputes.get(dispute_id)
        if dispute is None:
            raise GatewayError(f"No such dispute: '{dispute_id}'")
        return dispute

    def _disputes_of(self, charge_id: str) -> list[DisputeRecord]:
        return [d for d in self._disputes.values() if d.charge == charge_id]

    def _refunds_of(self, charge_id: str) -> list[RefundRecord]:
        return [r for r in self._refunds.values() if r.charge == charge_id]

    @staticmethod
    def _sum(amounts: Iterable[Money], like: Money) -> Money:
        total = Money.zero(like.currency)
        for amount in amounts:
            total += amount
        return total

    def _gateway_intent(self, intent: IntentRecord, at: datetime) -> GatewayIntent:
        state = IntentState.from_gateway_status(intent.status, attempt_failed=intent.attempt_failed)
        error = intent.last_payment_error
        return GatewayIntent(
            id=intent.id,
            client_secret=intent.client_secret,
            amount=intent.amount,
            observation=IntentObservation(
                state=state,
                observed_at=at,
                charge_id=intent.latest_charge,
                failure_reason=(
                    attempt_failure_reason(error.code, error.decline_code)
                    if error is not None and state is IntentState.FAILED
                    else None
                ),
            ),
            metadata=dict(intent.metadata),
            customer_id=intent.customer,
        )

    def _refund_observation(self, refund: RefundRecord, at: datetime) -> RefundObservation:
        return RefundObservation(
            gateway_refund_id=refund.id,
            amount=refund.amount,
            status=RefundStatus(refund.status),
            observed_at=at,
            refund_id=refund.metadata.get(REFUND_ID_METADATA_KEY),
            failure_reason=refund.failure_reason,
            reason=refund_reason(refund.reason),
        )

    def _new_charge(
        self, intent: IntentRecord, method: PaymentMethodRecord, status: str
    ) -> ChargeRecord:
        charge = ChargeRecord(
            id=self._ids("ch"),
            payment_intent=intent.id,
            amount=intent.amount,
            application_fee=intent.application_fee,
            destination=intent.destination,
            customer=intent.customer,
            payment_method=method.id,
            card=method.card,
            created=self._now(),
            status=status,
        )
        self._charges[charge.id] = charge
        intent.latest_charge = charge.id
        return charge

    async def _decline(
        self, intent: IntentRecord, method: PaymentMethodRecord, decline: Decline
    ) -> None:
        charge = self._new_charge(intent, method, "failed")
        charge.failure = decline
        intent.status = "requires_payment_method"
        intent.last_payment_error = decline
        await self._emit("charge.failed", charge.to_stripe())
        await self._emit("payment_intent.payment_failed", intent.to_stripe())

    async def _succeed(self, intent: IntentRecord, method: PaymentMethodRecord, card: Card) -> None:
        charge = self._new_charge(intent, method, "succeeded")
        charge.refunds_fail = card.refunds_fail
        intent.status = "succeeded"
        intent.last_payment_error = None
        if intent.save_payment_method and intent.customer is not None:
            method.customer = intent.customer
            await self._emit("payment_method.attached", method.to_stripe())
        await self._emit("charge.succeeded", charge.to_stripe())
        await self._emit("payment_intent.succeeded", intent.to_stripe())
        if card.outcome is Outcome.DISPUTED:
            await self.open_dispute(intent.id)

    async def _fail_refund(self, refund: RefundRecord, reason: str) -> None:
        before = refund.status
        refund.status = "failed"
        refund.failure_reason = reason
        self._charges[refund.charge].amount_refunded -= refund.amount.minor_units
        await self._emit("refund.updated", refund.to_stripe(), previous={"status": before})
        await self._emit("refund.failed", refund.to_stripe())


def _saved_card(method: PaymentMethodRecord, customer_id: str) -> SavedCard:
    return SavedCard(
        payment_method_id=method.id,
        customer_id=customer_id,
        type="card",
        card_brand=method.card.brand,
        card_last4=method.card.last4,
        card_exp_month=method.card.exp_month,
        card_exp_year=method.card.exp_year,
    )
