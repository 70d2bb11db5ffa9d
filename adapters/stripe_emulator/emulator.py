"""Stripe, emulated in memory: the API objects storepay's Stripe adapter asks for and Stripe's
test mode around them.

``StripeEmulator`` keeps accounts and their onboarding links, customers and their cards, payment
intents, charges, refunds, disputes and payouts. Its API operations take a request's decoded
parameters and answer Stripe's JSON objects, or raise ``EmulatorError`` with Stripe's error; the
HTTP side (paths, idempotency keys, ``Stripe-Account``) is :mod:`.api`'s. Beyond the API it does
what a shopper, a store or the card networks do in Stripe's test mode: paying with a test card,
passing 3-D Secure, finishing onboarding, disputes, payouts and refunds that fail. Every change
is announced by a Stripe event, signed and delivered by :mod:`.delivery`.
"""

from __future__ import annotations

import hmac
import random
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.stripe_emulator import cards
from adapters.stripe_emulator.books import ApplicationFee, Books, Transfer
from adapters.stripe_emulator.cards import Card, Decline, Outcome
from adapters.stripe_emulator.delivery import (
    Delivery,
    DeliveryCallback,
    DeliveryMode,
    FailedDelivery,
    HostileNetwork,
    Outbox,
)
from adapters.stripe_emulator.ids import IdFactory, random_ids
from adapters.stripe_emulator.records import (
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
    event,
    unix,
)
from adapters.stripe_emulator.requests import EmulatorError, Params, no_such
from domain.errors import DomainError
from domain.money import Money

APPLICATION_ID = "ca_storepay"
REFUND_FAILURE_REASON = "expired_or_canceled_card"
_CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
_OPEN_DISPUTE = ("warning_needs_response", "warning_under_review", "needs_response", "under_review")
# The evidence fields a dispute takes as text (Stripe's others are files or dates), and how much
# text it takes in all.
_EVIDENCE = (
    "access_activity_log",
    "billing_address",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "duplicate_charge_explanation",
    "product_description",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "shipping_address",
    "shipping_carrier",
    "shipping_tracking_number",
    "uncategorized_text",
)
_EVIDENCE_LENGTH = 150_000
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_INTERVALS = ("manual", "daily", "weekly", "monthly")


@dataclass(frozen=True, slots=True)
class OnboardingSession:
    """The latest onboarding link of an account, with where the hosted page sends the store."""

    account_id: str
    url: str
    refresh_url: str
    return_url: str
    expires_at: datetime


class StripeEmulator:
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
        enabled_events: Collection[str] | None = None,
        history: int | None = None,
        hostile: HostileNetwork | None = None,
    ) -> None:
        """``enabled_events``: the only event types delivered (all by default); ``history``:
        how many of the latest events and deliveries ``sent_events``, ``deliveries`` and
        ``failed_deliveries`` keep (all by default; a long-running emulator keeps fewer);
        ``hostile``: how the ``hostile`` delivery mode mistreats deliveries."""
        self._public_url = public_url.rstrip("/")
        self._clock = clock or (lambda: datetime.now(UTC))
        self._ids = ids or random_ids()
        self._link_lifetime = onboarding_link_lifetime
        self._outbox = Outbox(
            webhook_secret=webhook_secret,
            connect_webhook_secret=connect_webhook_secret or webhook_secret,
            clock=self._now,
            callback=deliver,
            mode=DeliveryMode(delivery_mode),
            redelivery=redelivery,
            enabled_events=enabled_events,
            history=history,
            hostile=hostile,
        )
        self._accounts: dict[str, AccountRecord] = {}
        self._links: dict[str, OnboardingSession] = {}
        self._intents: dict[str, IntentRecord] = {}
        self._charges: dict[str, ChargeRecord] = {}
        self._refunds: dict[str, RefundRecord] = {}
        self._disputes: dict[str, DisputeRecord] = {}
        self._customers: dict[str, CustomerRecord] = {}
        self._payment_methods: dict[str, PaymentMethodRecord] = {}
        self._method_cards: dict[str, Card] = {}  # the test card behind each payment method
        self._payouts: dict[str, PayoutRecord] = {}
        self._next_refund_failure: str | None = None
        self.books = Books(self._ids, self._now)

    # -- the API: connected accounts --------------------------------------------------------

    async def create_account(self, params: Params) -> JSON:
        country = params.text("country").upper()
        if len(country) != 2 or not country.isalpha():
            raise EmulatorError(f"Country '{country}' is unknown.", param="country")
        account = AccountRecord(
            id=self._ids("acct"),
            business_name=params.child("business_profile").optional_text("name"),
            email=params.optional_text("email"),
            country=country,
            created=self._now(),
            metadata=params.metadata(),
        )
        self._accounts[account.id] = account
        return account.to_stripe()

    async def retrieve_account(self, account_id: str) -> JSON:
        return self._account(account_id).to_stripe()

    async def update_account(self, account_id: str, params: Params) -> JSON:
        account = self._account(account_id)
        schedule = params.child("settings").child("payouts").child("schedule")
        if "interval" in schedule:
            before = account.to_stripe()["settings"]
            account.schedule = _payout_schedule(schedule)
            await self._emit(
                "account.updated",
                account.to_stripe(),
                account=account.id,
                previous={"settings": before},
            )
        return account.to_stripe()

    async def create_account_link(self, params: Params) -> JSON:
        account = self._account(params.text("account"))
        if params.text("type") != "account_onboarding":
            raise EmulatorError("Only account_onboarding links are emulated.", param="type")
        session = OnboardingSession(
            account_id=account.id,
            url=f"{self._public_url}/simulator/onboarding/{account.id}",
            refresh_url=params.text("refresh_url"),
            return_url=params.text("return_url"),
            expires_at=self._now() + self._link_lifetime,
        )
        self._links[account.id] = session
        return {
            "object": "account_link",
            "created": unix(self._now()),
            "expires_at": unix(session.expires_at),
            "url": session.url,
        }

    # -- the API: payment intents and refunds -----------------------------------------------

    async def create_payment_intent(self, params: Params) -> JSON:
        currency = params.text("currency")
        try:
            amount = Money.of(params.integer("amount"), currency)
            amount.check_chargeable()
        except DomainError as error:
            raise EmulatorError(f"Invalid amount: {error.message}", param="amount") from None
        fee = Money.of(params.optional_integer("application_fee_amount") or 0, currency)
        if fee.is_negative or fee > amount:
            raise EmulatorError(
                f"application_fee_amount ({fee}) must be between zero and the amount ({amount})",
                param="application_fee_amount",
            )
        destination_id = params.child("transfer_data").text("destination")
        destination = self._accounts.get(destination_id)
        if destination is None or destination.deauthorized:
            raise EmulatorError(
                f"No such destination: '{destination_id}'", param="transfer_data[destination]"
            )
        if not destination.charges_enabled:
            raise EmulatorError(
                f"The destination account {destination.id} cannot currently make charges: "
                f"its card_payments capability is not active",
                param="transfer_data[destination]",
            )
        customer = params.optional_text("customer")
        if customer is not None and customer not in self._customers:
            raise no_such("customer", customer, "customer")
        usage = params.optional_text("setup_future_usage")
        if usage not in (None, "off_session", "on_session"):
            raise EmulatorError(f"Invalid setup_future_usage: {usage}", param="setup_future_usage")
        now = self._now()
        intent_id = self._ids("pi")
        intent = IntentRecord(
            id=intent_id,
            client_secret=f"{intent_id}_secret_{self._ids('secret').rpartition('_')[2]}",
            amount=amount,
            application_fee=fee,
            destination=destination.id,
            receipt_email=params.optional_text("receipt_email"),
            created=now,
            customer=customer,
            save_payment_method=usage == "off_session",
            metadata=params.metadata(),
            description=params.optional_text("description"),
            automatic_payment_methods=params.child("automatic_payment_methods").flag("enabled"),
        )
        self._intents[intent.id] = intent
        await self._emit("payment_intent.created", intent.to_stripe())
        return intent.to_stripe()

    async def retrieve_payment_intent(self, payment_intent_id: str, params: Params) -> JSON:
        shown = self._intent(payment_intent_id).to_stripe()
        if "latest_charge" in params.texts("expand") and shown["latest_charge"] is not None:
            shown["latest_charge"] = self._charges[shown["latest_charge"]].to_stripe()
        return shown

    async def cancel_payment_intent(self, payment_intent_id: str) -> JSON:
        intent = self._intent(payment_intent_id)
        if intent.status in ("succeeded", "canceled"):
            raise EmulatorError(
                f"You cannot cancel this PaymentIntent because it has a status of {intent.status}.",
                code="payment_intent_unexpected_state",
            )
        intent.status = "canceled"
        intent.canceled_at = self._now()
        intent.card_awaiting_authentication = None
        await self._emit("payment_intent.canceled", intent.to_stripe())
        return intent.to_stripe()

    async def create_refund(self, params: Params) -> JSON:
        intent = self._intent(params.text("payment_intent"), param="payment_intent")
        if intent.status != "succeeded" or intent.latest_charge is None:
            raise EmulatorError(
                f"PaymentIntent {intent.id} does not have a successful charge to refund.",
                code="charge_not_refundable",
            )
        charge = self._charges[intent.latest_charge]
        if any(dispute.status != "won" for dispute in self._disputes_of(charge.id)):
            raise EmulatorError(
                f"Charge {charge.id} has been charged back; cannot issue a refund.",
                code="charge_disputed",
            )
        currency = charge.amount.currency
        requested = params.optional_integer("amount")
        amount = Money(charge.refundable if requested is None else requested, currency)
        if not amount.is_positive:
            raise EmulatorError(f"A refund must be positive, not {amount}", param="amount")
        left = Money(charge.refundable, currency)
        if amount > left:
            raise EmulatorError(
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                code="amount_too_large",
                param="amount",
            )
        fee_refund = (
            self._fee_share(charge, amount)
            if params.flag("refund_application_fee")
            else Money.zero(currency)
        )
        reason = params.optional_text("reason")
        if reason not in (None, "duplicate", "fraudulent", "requested_by_customer"):
            raise EmulatorError(f"Invalid reason: {reason}", param="reason")
        armed, self._next_refund_failure = self._next_refund_failure, None
        refund = RefundRecord(
            id=self._ids("re"),
            payment_intent=intent.id,
            charge=charge.id,
            customer=charge.customer,
            payment_method=charge.payment_method,
            amount=amount,
            application_fee_refund=fee_refund,
            reverse_transfer=params.flag("reverse_transfer"),
            created=self._now(),
            status="succeeded" if armed is None else "pending",
            reason=reason,
            metadata=params.metadata(),
            fails_with=armed or (REFUND_FAILURE_REASON if charge.refunds_fail else None),
        )
        self._refunds[refund.id] = refund
        charge.amount_refunded += amount.minor_units
        refund.balance_transaction = self.books.refunded(refund.id, amount)
        if refund.reverse_transfer and charge.transfer is not None:
            reversal = self.books.reverse(charge.transfer, amount, source_refund=refund.id)
            refund.transfer_reversal = reversal.id
        if fee_refund.is_positive and charge.application_fee_object is not None:
            self.books.refund_fee(charge.application_fee_object, fee_refund)
        await self._emit("refund.created", refund.to_stripe())
        await self._emit("charge.refunded", charge.to_stripe())
        return refund.to_stripe()

    async def retrieve_refund(self, refund_id: str) -> JSON:
        return self.refund_record(refund_id).to_stripe()

    async def confirm_payment_intent(self, payment_intent_id: str, params: Params) -> JSON:
        """Stripe's confirm: with a test payment method (``pm_card_visa``…), a card the intent's
        customer saved, or card numbers (``payment_method_data[card][number]``). With the secret
        key no ``client_secret`` is needed; one that is given must be the intent's."""
        intent = self._intent(payment_intent_id)
        client_secret = params.optional_text("client_secret") or intent.client_secret
        method = params.optional_text("payment_method")
        data = params.child("payment_method_data")
        if (method is None) == ("type" not in data):
            raise EmulatorError(
                "Pass either payment_method or payment_method_data.", param="payment_method"
            )
        if method is None:
            if data.text("type") != "card":
                raise EmulatorError(
                    "Only card payment methods are emulated.", param="payment_method_data[type]"
                )
            card = data.child("card")
            return await self.confirm(
                payment_intent_id,
                client_secret,
                card.text("number"),
                exp_month=card.optional_integer("exp_month") or 12,
                exp_year=card.optional_integer("exp_year"),
            )
        number = cards.TOKENS.get(method)
        if number is not None:
            return await self.confirm(payment_intent_id, client_secret, number)
        return await self.confirm_with_saved_card(payment_intent_id, client_secret, method)

    # -- the API: disputes -------------------------------------------------------------------

    async def update_dispute(self, dispute_id: str, params: Params) -> JSON:
        """Stripe's dispute update: ``evidence[...]`` texts are kept, and ``submit=true`` sends
        them to the card network (the dispute goes under review)."""
        dispute = self._dispute(dispute_id)
        if dispute.status not in _OPEN_DISPUTE:
            raise EmulatorError(
                f"Dispute {dispute.id} is closed ({dispute.status}): it takes no more evidence.",
                code="dispute_closed",
            )
        evidence = params.child("evidence")
        texts = {name: evidence.text(name) for name in _EVIDENCE if name in evidence}
        if sum(len(text) for text in {**dispute.evidence, **texts}.values()) > _EVIDENCE_LENGTH:
            raise EmulatorError(
                f"Evidence may hold at most {_EVIDENCE_LENGTH} characters in all.",
                param="evidence",
            )
        dispute.evidence.update(texts)
        if params.flag("submit"):
            await self.submit_dispute_evidence(dispute.id)
        elif texts:
            await self._emit("charge.dispute.updated", dispute.to_stripe())
        return dispute.to_stripe()

    # -- the API: customers and their cards -------------------------------------------------

    async def list_customers(self, params: Params) -> list[JSON]:
        """Newest first; Stripe's email filter is exact (case-sensitive)."""
        email = params.optional_text("email")
        return [
            customer.to_stripe()
            for customer in reversed(self._customers.values())
            if email is None or customer.email == email
        ]

    async def create_customer(self, params: Params) -> JSON:
        customer = CustomerRecord(
            id=self._ids("cus"),
            email=params.optional_text("email"),
            metadata=params.metadata(),
            created=self._now(),
        )
        self._customers[customer.id] = customer
        await self._emit("customer.created", customer.to_stripe())
        return customer.to_stripe()

    async def list_payment_methods(self, customer_id: str, params: Params) -> list[JSON]:
        """A customer's cards, newest first."""
        if customer_id not in self._customers:
            raise no_such("customer", customer_id)
        kind = params.optional_text("type")
        return [
            method.to_stripe()
            for method in reversed(self._payment_methods.values())
            if method.customer == customer_id and kind in (None, "card")
        ]

    async def detach_payment_method(self, payment_method_id: str) -> JSON:
        method = self._payment_methods.get(payment_method_id)
        if method is None:
            raise no_such("PaymentMethod", payment_method_id)
        if method.customer is None:
            raise EmulatorError(
                f"The payment method {payment_method_id} is not attached to a customer "
                f"so detachment is impossible."
            )
        customer, method.customer = method.customer, None
        await self._emit(
            "payment_method.detached", method.to_stripe(), previous={"customer": customer}
        )
        return method.to_stripe()

    # -- the API: the money Stripe moved --------------------------------------------------

    async def retrieve_balance(self, account_id: str | None) -> JSON:
        """The platform's balance, or with ``Stripe-Account`` a connected account's."""
        if account_id is not None:
            self._account(account_id)
        return self.books.balance(account_id, self._now())

    async def list_balance_transactions(self, account_id: str | None, params: Params) -> list[JSON]:
        if account_id is not None:
            self._account(account_id)
        kind, source = params.optional_text("type"), params.optional_text("source")
        return [
            txn.to_stripe(self._now())
            for txn in self.books.of_account(account_id)
            if kind in (None, txn.type) and source in (None, txn.source)
        ]

    async def retrieve_balance_transaction(self, transaction_id: str) -> JSON:
        if transaction_id not in self.books.transactions:
            raise no_such("balance transaction", transaction_id)
        return self._transaction(transaction_id)

    async def retrieve_charge(self, charge_id: str, params: Params) -> JSON:
        charge = self._charges.get(charge_id)
        if charge is None:
            raise no_such("charge", charge_id)
        shown = charge.to_stripe()
        if "balance_transaction" in params.texts("expand") and charge.balance_transaction:
            shown["balance_transaction"] = self._transaction(charge.balance_transaction)
        return shown

    async def list_application_fees(self, params: Params) -> list[JSON]:
        charge = params.optional_text("charge")
        return [
            fee.to_stripe()
            for fee in reversed(self.books.fees.values())
            if charge in (None, fee.charge)
        ]

    async def retrieve_application_fee(self, fee_id: str) -> JSON:
        return self._application_fee(fee_id).to_stripe()

    async def refund_application_fee(self, fee_id: str, params: Params) -> JSON:
        """Give back part (``amount``) or the rest of an application fee."""
        fee = self._application_fee(fee_id)
        amount = _part(params, fee.amount - fee.amount_refunded, "Refund", "application fee")
        refund = self.books.refund_fee(fee.id, amount)
        refund.metadata = params.metadata()
        return refund.to_stripe()

    async def list_application_fee_refunds(self, fee_id: str) -> list[JSON]:
        return [r.to_stripe() for r in reversed(self._application_fee(fee_id).refunds)]

    async def create_transfer(self, params: Params) -> JSON:
        """Separate charges and transfers: the platform sends part of its balance to an
        account (from a charge's funds with ``source_transaction``)."""
        currency = params.text("currency")
        amount = Money.of(params.integer("amount"), currency)
        if not amount.is_positive:
            raise EmulatorError("A transfer must be positive.", param="amount")
        destination = self._account(params.text("destination"))
        source = params.optional_text("source_transaction")
        if source is not None:
            charge = self._charges.get(source)
            if charge is None or charge.status != "succeeded":
                raise no_such("charge", source, "source_transaction")
            if charge.amount.currency != amount.currency:
                raise EmulatorError(
                    f"A transfer from {charge.id} must be in "
                    f"{charge.amount.currency.code.lower()}.",
                    param="currency",
                )
        transfer = self.books.transfer(
            amount,
            destination.id,
            source_transaction=source,
            transfer_group=params.optional_text("transfer_group"),
            metadata=params.metadata(),
        )
        return transfer.to_stripe()

    async def list_transfers(self, params: Params) -> list[JSON]:
        destination = params.optional_text("destination")
        group = params.optional_text("transfer_group")
        return [
            transfer.to_stripe()
            for transfer in reversed(self.books.transfers.values())
            if destination in (None, transfer.destination)
            and group in (None, transfer.transfer_group)
        ]

    async def retrieve_transfer(self, transfer_id: str) -> JSON:
        return self._transfer(transfer_id).to_stripe()

    async def reverse_transfer(self, transfer_id: str, params: Params) -> JSON:
        """Take part (``amount``) or the rest of a transfer back from its account."""
        transfer = self._transfer(transfer_id)
        amount = _part(params, transfer.amount - transfer.amount_reversed, "Reversal", "transfer")
        reversal = self.books.reverse(transfer.id, amount, metadata=params.metadata())
        return reversal.to_stripe()

    async def list_transfer_reversals(self, transfer_id: str) -> list[JSON]:
        return [r.to_stripe() for r in reversed(self._transfer(transfer_id).reversals)]

    async def retrieve_dispute(self, dispute_id: str) -> JSON:
        return self._dispute(dispute_id).to_stripe()

    async def list_payouts(self, account_id: str | None, params: Params) -> list[JSON]:
        if account_id is None:
            raise EmulatorError("The platform's own payouts are not emulated; send Stripe-Account.")
        self._account(account_id)
        status = params.optional_text("status")
        return [
            payout.to_stripe()
            for payout in reversed(self._payouts.values())
            if payout.account == account_id and status in (None, payout.status)
        ]

    # -- the API: any object by its id ------------------------------------------------------

    def retrieve_object(self, object_id: str) -> JSON:
        """Any object the emulator holds, as Stripe shows it."""
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
        if object_id in self.books.transactions:
            return self._transaction(object_id)
        money: Iterable[dict[str, Any]] = (
            self.books.fees,
            self.books.fee_refunds,
            self.books.transfers,
            self.books.reversals,
        )
        for store in money:
            record = store.get(object_id)
            if record is not None:
                found: JSON = record.to_stripe()
                return found
        raise no_such("object", object_id)

    # -- delivering events ------------------------------------------------------------------

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
    ) -> JSON:
        """Pay with a card: one of Stripe's test cards decides what happens (see ``cards``)."""
        intent = self._confirmable(payment_intent_id, client_secret)
        now = self._now()
        expiry_year = now.year + 3 if exp_year is None else exp_year
        if not 1 <= exp_month <= 12:
            raise EmulatorError(
                f"Your card's expiration month is invalid ({exp_month}).",
                type="card_error",
                code="invalid_expiry_month",
                param="exp_month",
            )
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
    ) -> JSON:
        """Pay with a card the intent's customer saved earlier: it does what its test card does
        (a 3-D Secure card asks again, as Stripe's does on session)."""
        intent = self._confirmable(payment_intent_id, client_secret)
        method = self._payment_methods.get(payment_method_id)
        if method is None or intent.customer is None or method.customer != intent.customer:
            raise no_such("PaymentMethod", payment_method_id, "payment_method")
        return await self._attempt(intent, method, self._method_cards[method.id])

    async def authenticate(self, payment_intent_id: str, client_secret: str, success: bool) -> JSON:
        """Finish the 3-D Secure step of an intent that ``requires_action``."""
        intent = self._intent_for_shopper(payment_intent_id, client_secret)
        card = intent.card_awaiting_authentication
        if intent.status != "requires_action" or card is None or intent.payment_method is None:
            raise EmulatorError(
                f"PaymentIntent {intent.id} has no authentication to finish "
                f"(status {intent.status}).",
                code="payment_intent_unexpected_state",
            )
        intent.card_awaiting_authentication = None
        if success:
            await self._succeed(intent, self._payment_methods[intent.payment_method], card)
        else:
            intent.status = "requires_payment_method"
            intent.last_payment_error = cards.AUTHENTICATION_FAILURE
            await self._emit("payment_intent.payment_failed", intent.to_stripe())
        return intent.to_stripe()

    async def complete_onboarding(self, account_id: str) -> JSON:
        account = self._account(account_id)
        before = account.to_stripe()
        account.complete_onboarding(self._now())
        await self._emit(
            "account.updated",
            account.to_stripe(),
            account=account.id,
            previous={
                key: before[key]
                for key in ("charges_enabled", "payouts_enabled", "details_submitted")
            },
        )
        return account.to_stripe()

    async def require(
        self, account_id: str, currently_due: Sequence[str], disabled_reason: str | None = None
    ) -> JSON:
        """Stripe asks the account for more information: until it is given, the account is
        restricted (with a ``disabled_reason``, charges and payouts stop)."""
        account = self._account(account_id)
        before = account.to_stripe()
        account.currently_due = list(currently_due)
        account.disabled_reason = disabled_reason
        if disabled_reason is not None:
            account.past_due = list(currently_due)
            account.charges_enabled = account.payouts_enabled = False
        await self._emit(
            "account.updated",
            account.to_stripe(),
            account=account.id,
            previous={key: before[key] for key in ("requirements", "charges_enabled")},
        )
        return account.to_stripe()

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
            raise EmulatorError(f"Account {account_id} has no onboarding link", status=404)
        return session

    async def open_dispute(
        self,
        payment_intent_id: str,
        *,
        amount: int | None = None,
        reason: str = "fraudulent",
        inquiry: bool = False,
    ) -> str:
        """The shopper's bank disputes the payment (an ``inquiry`` takes no money yet)."""
        intent = self._intent(payment_intent_id)
        if intent.status != "succeeded" or intent.latest_charge is None:
            raise EmulatorError(
                f"PaymentIntent {intent.id} has no successful charge to dispute",
                code="charge_not_disputable",
            )
        charge = self._charges[intent.latest_charge]
        if charge.disputed:
            raise EmulatorError(
                f"Charge {charge.id} is already disputed", code="charge_not_disputable"
            )
        # The shopper's bank disputes what the shopper is still out of pocket.
        left = charge.refundable
        disputed = left if amount is None else amount
        if not 0 < disputed <= left:
            raise EmulatorError(
                f"A dispute of {charge.id} takes up to {Money(left, charge.amount.currency)}",
                code="amount_too_large" if disputed > 0 else "amount_too_small",
                param="amount",
            )
        dispute = DisputeRecord(
            id=self._ids("dp"),
            charge=charge.id,
            payment_intent=intent.id,
            amount=Money(disputed, charge.amount.currency),
            reason=reason,
            status="warning_needs_response" if inquiry else "needs_response",
            created=self._now(),
            card_brand=charge.card.brand,
        )
        self._disputes[dispute.id] = dispute
        charge.disputed = True
        await self._emit("charge.dispute.created", dispute.to_stripe())
        if not inquiry:
            withdrawn = self.books.dispute_withdrawn(dispute.id, dispute.amount)
            dispute.balance_transactions.append(self._transaction(withdrawn))
            await self._emit("charge.dispute.funds_withdrawn", dispute.to_stripe())
        return dispute.id

    async def submit_dispute_evidence(self, dispute_id: str) -> None:
        dispute = self._dispute(dispute_id)
        following = {
            "needs_response": "under_review",
            "warning_needs_response": "warning_under_review",
        }.get(dispute.status)
        if following is None:
            raise EmulatorError(
                f"Dispute {dispute.id} does not await evidence ({dispute.status})",
                code="dispute_closed" if dispute.status not in _OPEN_DISPUTE else None,
            )
        before, dispute.status = dispute.status, following
        dispute.evidence_submitted = True
        await self._emit("charge.dispute.updated", dispute.to_stripe(), previous={"status": before})

    async def close_dispute(self, dispute_id: str, *, won: bool) -> None:
        dispute = self._dispute(dispute_id)
        if dispute.status not in _OPEN_DISPUTE:
            raise EmulatorError(
                f"Dispute {dispute.id} is already closed ({dispute.status})",
                code="dispute_closed",
            )
        inquiry = dispute.status.startswith("warning_")
        if inquiry and not won:
            raise EmulatorError(
                f"Dispute {dispute.id} is an inquiry: it closes without a loss",
                code="dispute_is_inquiry",
            )
        dispute.status = ("warning_closed" if inquiry else "won") if won else "lost"
        if won and not inquiry:
            reinstated = self.books.dispute_reinstated(dispute.id, dispute.amount)
            dispute.balance_transactions.append(self._transaction(reinstated))
        await self._emit("charge.dispute.closed", dispute.to_stripe())
        if won and not inquiry:
            await self._emit("charge.dispute.funds_reinstated", dispute.to_stripe())

    def dispute_of(self, payment_intent_id: str) -> str:
        for dispute in self._disputes.values():
            if dispute.payment_intent == payment_intent_id:
                return dispute.id
        raise EmulatorError(f"PaymentIntent {payment_intent_id} has no dispute", status=404)

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
        refund = self.refund_record(refund_id)
        if not refund.holds_amount:
            raise EmulatorError(f"Refund {refund.id} has already ended ({refund.status})")
        await self._fail_refund(refund, failure_reason)

    def refund_record(self, refund_id: str) -> RefundRecord:
        refund = self._refunds.get(refund_id)
        if refund is None:
            raise no_such("refund", refund_id)
        return refund

    async def pay_out(
        self, account_id: str, amount: int, currency: str, *, failure_code: str | None = None
    ) -> str:
        """The connected account pays ``amount`` out to the store's bank (or fails to)."""
        account = self._account(account_id)
        if amount <= 0:
            raise EmulatorError(f"A payout must be positive, not {amount}", param="amount")
        now = self._now()
        payout = PayoutRecord(
            id=self._ids("po"),
            account=account.id,
            amount=Money.of(amount, currency),
            status="pending",
            created=now,
            arrival=now + timedelta(days=2),
        )
        self._payouts[payout.id] = payout
        payout.balance_transaction = self.books.paid_out(account.id, payout.id, payout.amount)
        await self._emit("payout.created", payout.to_stripe(), account=account.id)
        payout.status = "paid" if failure_code is None else "failed"
        payout.failure_code = failure_code
        if failure_code is not None:
            payout.failure_balance_transaction = self.books.payout_failed(
                account.id, payout.id, payout.amount
            )
        await self._emit(f"payout.{payout.status}", payout.to_stripe(), account=account.id)
        return payout.id

    def now(self) -> datetime:
        """The emulator's time (its clock's, to the second, in UTC)."""
        return self._now()

    # -- inside -----------------------------------------------------------------------------

    def _transaction(self, transaction_id: str) -> JSON:
        return self.books.transactions[transaction_id].to_stripe(self._now())

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the Stripe emulator's clock must give timezone-aware times")
        return now.astimezone(UTC).replace(microsecond=0)

    async def _emit(
        self,
        event_type: str,
        obj: JSON,
        *,
        account: str | None = None,
        previous: JSON | None = None,
    ) -> None:
        shown = event(
            self._ids("evt"), event_type, obj, self._now(), account=account, previous=previous
        )
        await self._outbox.emit(shown, connect=account is not None)

    def _account(self, account_id: str) -> AccountRecord:
        account = self._accounts.get(account_id)
        if account is None:
            raise no_such("account", account_id)
        if account.deauthorized:
            raise EmulatorError(
                f"The provided key does not have access to account '{account_id}' "
                f"(or that account does not exist). Application access may have been revoked.",
                status=403,
                code="account_invalid",
            )
        return account

    def _intent(self, payment_intent_id: str, param: str | None = None) -> IntentRecord:
        intent = self._intents.get(payment_intent_id)
        if intent is None:
            raise no_such("payment_intent", payment_intent_id, param)
        return intent

    def _intent_for_shopper(self, payment_intent_id: str, client_secret: str) -> IntentRecord:
        intent = self._intent(payment_intent_id)
        if not hmac.compare_digest(intent.client_secret.encode(), client_secret.encode()):
            raise EmulatorError(
                f"The client_secret provided does not match the client_secret associated "
                f"with the PaymentIntent {payment_intent_id}.",
                param="client_secret",
            )
        return intent

    def _confirmable(self, payment_intent_id: str, client_secret: str) -> IntentRecord:
        intent = self._intent_for_shopper(payment_intent_id, client_secret)
        if intent.status not in _CONFIRMABLE:
            raise EmulatorError(
                f"You cannot confirm this PaymentIntent because it has a status of "
                f"{intent.status}.",
                code="payment_intent_unexpected_state",
            )
        return intent

    def _application_fee(self, fee_id: str) -> ApplicationFee:
        fee = self.books.fees.get(fee_id)
        if fee is None:
            raise no_such("application fee", fee_id)
        return fee

    def _transfer(self, transfer_id: str) -> Transfer:
        transfer = self.books.transfers.get(transfer_id)
        if transfer is None:
            raise no_such("transfer", transfer_id)
        return transfer

    def _dispute(self, dispute_id: str) -> DisputeRecord:
        dispute = self._disputes.get(dispute_id)
        if dispute is None:
            raise no_such("dispute", dispute_id)
        return dispute

    def _disputes_of(self, charge_id: str) -> list[DisputeRecord]:
        return [d for d in self._disputes.values() if d.charge == charge_id]

    def _refunds_of(self, charge_id: str) -> list[RefundRecord]:
        return [r for r in self._refunds.values() if r.charge == charge_id]

    def _fee_share(self, charge: ChargeRecord, amount: Money) -> Money:
        """``refund_application_fee``: the fee refunded in proportion to the amount,
        cumulatively, so that refunds of the whole charge give back exactly the whole fee."""
        fee, total = charge.application_fee.minor_units, charge.amount.minor_units
        before = charge.amount_refunded
        after = min(before + amount.minor_units, total)
        return Money(fee * after // total - fee * before // total, amount.currency)

    async def _attempt(self, intent: IntentRecord, method: PaymentMethodRecord, card: Card) -> JSON:
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
        return intent.to_stripe()

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
            description=intent.description,
            receipt_email=intent.receipt_email,
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
        moved = self.books.charge_succeeded(
            charge.id, intent.amount, intent.application_fee, intent.destination
        )
        charge.balance_transaction = moved.balance_transaction
        charge.application_fee_object = moved.application_fee
        charge.transfer = moved.transfer
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
        refund.failure_balance_transaction = self.books.refund_failed(refund.id, refund.amount)
        await self._emit("refund.updated", refund.to_stripe(), previous={"status": before})
        await self._emit("refund.failed", refund.to_stripe())


def _part(params: Params, left: Money, taken: str, of: str) -> Money:
    """The ``amount`` a request takes of what is ``left`` (all of it when it names none)."""
    requested = params.optional_integer("amount")
    amount = left if requested is None else Money(requested, left.currency)
    if not amount.is_positive or amount > left:
        raise EmulatorError(
            f"{taken} amount ({amount}) must be positive and at most what is left of the "
            f"{of} ({left}).",
            param="amount",
        )
    return amount


def _payout_schedule(schedule: Params) -> JSON:
    interval = schedule.text("interval")
    if interval not in _INTERVALS:
        raise EmulatorError(
            f"Invalid interval: {interval}", param="settings[payouts][schedule][interval]"
        )
    stated: JSON = {"interval": interval}
    if interval == "weekly":
        anchor = schedule.text("weekly_anchor")
        if anchor not in _WEEKDAYS:
            raise EmulatorError(
                f"Invalid weekly_anchor: {anchor}",
                param="settings[payouts][schedule][weekly_anchor]",
            )
        stated["weekly_anchor"] = anchor
    if interval == "monthly":
        day = schedule.integer("monthly_anchor")
        if not 1 <= day <= 31:
            raise EmulatorError(
                f"Invalid monthly_anchor: {day}",
                param="settings[payouts][schedule][monthly_anchor]",
            )
        stated["monthly_anchor"] = day
    return stated
