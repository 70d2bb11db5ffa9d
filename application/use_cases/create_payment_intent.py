"""A shopper's browser asks to pay an order: one open payment intent per order, ever.

The shopper's gateway customer (whose saved cards can pay the intent, and to whom a card can be
saved) is attached only for a caller with a customer session (``application.customer_sessions``):
an order's id and e-mail do not prove its shopper. An open intent is handed out only to a caller
who may use what it holds: one made for the shopper's customer is not given to a caller without
a session, nor one without the customer to a caller with one; while the shopper can still change
its card, such an intent is canceled and another made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from application.customer_sessions import CustomerSessionUse
from application.errors import (
    AmountMismatch,
    CurrencyMismatchWithOrder,
    CustomerMismatch,
    CustomerSessionRequired,
    InvalidMetadata,
    NotFound,
    OrderAlreadyPaid,
    PaymentsNotEnabled,
)
from application.gateway import GatewayIntent, IntentRequest, PaymentGateway
from application.lookups import require_order, require_store
from application.outbox import OutboxWriter
from application.payments import record_changes, save_payment
from application.ports import Clock, DuplicateRecord, IdGenerator, UnitOfWork, UnitOfWorkFactory
from application.transactions import retrying
from domain.currency import Currency
from domain.email import normalise_email
from domain.fees import FeeBreakdown
from domain.order import Order
from domain.payment import IntentObservation, Payment, PaymentStatus
from domain.store import Store

METADATA_LIMIT = 20
_RESERVED_PREFIX = "storepay_"
# An open intent in these states can still be canceled for another: the shopper has not started
# confirming it, or its last attempt failed.
_REPLACEABLE = frozenset({PaymentStatus.PENDING, PaymentStatus.FAILED})


@dataclass(frozen=True, slots=True)
class IntentForOrder:
    store_id: str
    order_id: str
    amount: int
    customer_email: str | None = None  # the order's own when not given
    currency: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    save_payment_method: bool = False
    customer_session: str | None = None  # the shopper's proof: their cards, saving a card


@dataclass(frozen=True, slots=True)
class Replaced:
    """An open payment whose intent was canceled for another."""

    store_id: str
    payment_id: str
    observation: IntentObservation


@dataclass(frozen=True, slots=True)
class PaymentIntentCreated:
    payment: Payment
    intent: GatewayIntent
    breakdown: FeeBreakdown
    gateway: str
    publishable_key: str | None


class CreatePaymentIntent:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        gateway: PaymentGateway,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow_factory = uow_factory
        self._gateway = gateway
        self._clock = clock
        self._ids = ids
        self._outbox = OutboxWriter(ids, clock)
        self._sessions = CustomerSessionUse(uow_factory, clock)

    async def __call__(self, command: IntentForOrder) -> PaymentIntentCreated:
        _check_metadata(command.metadata)
        signed_in = command.customer_session is not None
        if command.save_payment_method and not signed_in:
            raise CustomerSessionRequired("saving a card needs the shopper's customer session")
        async with self._uow_factory() as uow:
            store, order, account_id = await self._checked(uow, command)
            open_payment = await self._open_payment(uow, store, order)
            known_customer = (
                await uow.customers.gateway_customer(store.id, order.customer_email)
                if signed_in
                else None
            )
        if command.customer_session is not None:
            await self._sessions.spend(
                command.customer_session, store.id, order.id, order.customer_email
            )
        replaced: Replaced | None = None
        if open_payment is not None:
            open_intent = await self._open_intent(open_payment)
            if (open_intent.customer_id is not None) == signed_in:
                return await self._answer(open_payment, open_intent)
            if open_payment.status not in _REPLACEABLE:
                raise CustomerSessionRequired(
                    "this order's payment is being confirmed on another checkout"
                )
            replaced = await self._canceled(open_payment, open_intent)
        customer_id = (known_customer or await self._customer(store, order)) if signed_in else None
        breakdown = store.quote(order.amount)
        attempt = order.payment_attempts + 1
        intent = await self._gateway.create_payment_intent(
            IntentRequest(
                amount=order.amount,
                application_fee=breakdown.platform_fee,
                destination_account=account_id,
                # Derived from the order and its attempt, with a request that is the same on every
                # call for that attempt: concurrent or retried calls get the same intent.
                idempotency_key=f"storepay:order:{order.id}:attempt:{attempt}",
                receipt_email=order.customer_email,
                customer_id=customer_id,
                save_payment_method=command.save_payment_method,
                metadata={
                    **command.metadata,
                    "storepay_store_id": store.id,
                    "storepay_order_id": order.id,
                    "storepay_order_reference": order.reference,
                },
            )
        )
        payment = await self._record(store, order, intent, breakdown, attempt, replaced)
        return await self._answer(payment, intent)

    async def _open_intent(self, payment: Payment) -> GatewayIntent:
        if payment.payment_intent_id is None:
            raise NotFound("the order's payment has no intent")
        return await self._gateway.retrieve_payment_intent(payment.payment_intent_id)

    async def _canceled(self, payment: Payment, intent: GatewayIntent) -> Replaced:
        """``payment``'s intent canceled at the gateway (recorded with the next one)."""
        canceled = await self._gateway.cancel_payment_intent(intent.id)
        return Replaced(payment.store_id, payment.id, canceled.observation)

    async def _checked(self, uow: UnitOfWork, command: IntentForOrder) -> tuple[Store, Order, str]:
        store = await require_store(uow, command.store_id)
        order = await require_order(uow, store.id, command.order_id)
        if store.account is None or not store.accepts_payments:
            raise PaymentsNotEnabled("this store does not accept payments yet")
        wanted = None if command.currency is None else Currency.for_payments(command.currency)
        if wanted is not None and wanted != order.amount.currency:
            raise CurrencyMismatchWithOrder(
                f"the order is in {order.amount.currency.code}, not {wanted.code}"
            )
        if command.amount != order.amount.minor_units:
            raise AmountMismatch(f"the order's amount is {order.amount}")
        given = command.customer_email
        if given is not None and normalise_email(given) != order.customer_email:
            raise CustomerMismatch("the order belongs to another customer")
        if order.is_paid:
            raise OrderAlreadyPaid("this order is already paid")
        store.takes(order.amount.currency)  # an order registered before the rule held
        return store, order, store.account.account_id

    async def _open_payment(self, uow: UnitOfWork, store: Store, order: Order) -> Payment | None:
        payment = await uow.payments.latest_for_order(store.id, order.id)
        if payment is None or not payment.status.is_open:
            return None
        return payment

    async def _customer(self, store: Store, order: Order) -> str:
        """The signed-in shopper's gateway customer, made and recorded on their first visit."""
        customer_id = await self._gateway.ensure_customer(
            email=order.customer_email, store_id=store.id
        )
        try:
            async with self._uow_factory() as uow:
                await uow.customers.add_gateway_customer(
                    store.id, order.customer_email, customer_id
                )
                await uow.commit()
        except DuplicateRecord:
            pass  # a concurrent checkout of the same shopper recorded the same customer
        return customer_id

    async def _record(
        self,
        store: Store,
        order: Order,
        intent: GatewayIntent,
        breakdown: FeeBreakdown,
        attempt: int,
        replaced: Replaced | None = None,
    ) -> Payment:
        try:
            return await retrying(
                lambda: self._record_once(store.id, order.id, intent, breakdown, attempt, replaced)
            )
        except DuplicateRecord:
            async with self._uow_factory() as uow:
                recorded = await uow.payments.by_intent_id(intent.id)
            if recorded is None:
                raise NotFound("the order's payment changed meanwhile; try again") from None
            return recorded

    async def _record_once(
        self,
        store_id: str,
        order_id: str,
        intent: GatewayIntent,
        breakdown: FeeBreakdown,
        attempt: int,
        replaced: Replaced | None,
    ) -> Payment:
        payment = Payment.start(
            payment_id=self._ids.new_id("pay_"),
            store_id=store_id,
            order_id=order_id,
            breakdown=breakdown,
            created_at=self._clock.now(),
        )
        payment.attach_intent(intent.id)
        payment.observe_intent(intent.observation)
        async with self._uow_factory() as uow:
            order = await require_order(uow, store_id, order_id)
            if order.payment_attempts >= attempt:
                raise DuplicateRecord("the attempt was recorded by a concurrent call")
            order.payment_attempts = attempt
            if replaced is not None:
                await self._record_cancellation(uow, replaced)
            await uow.payments.add(payment)
            # saves the order too: one read, one write
            await save_payment(uow, payment, self._outbox, order)
            await uow.commit()
            return payment

    async def _record_cancellation(self, uow: UnitOfWork, replaced: Replaced) -> None:
        """The replaced payment as canceled (unless its cancellation event got there first);
        its order follows the payment that replaces it."""
        payment = await uow.payments.get(replaced.store_id, replaced.payment_id)
        if payment is None or payment.status is PaymentStatus.CANCELED:
            return
        payment.observe_intent(replaced.observation)
        await uow.payments.save(payment)
        await record_changes(uow, payment, self._outbox)

    async def _answer(self, payment: Payment, intent: GatewayIntent) -> PaymentIntentCreated:
        return PaymentIntentCreated(
            payment=payment,
            intent=intent,
            breakdown=payment.breakdown,
            gateway=self._gateway.name,
            publishable_key=self._gateway.publishable_key,
        )


def _check_metadata(metadata: Mapping[str, str]) -> None:
    if len(metadata) > METADATA_LIMIT:
        raise InvalidMetadata(f"at most {METADATA_LIMIT} metadata entries")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidMetadata("metadata keys and values are strings")
        if key.startswith(_RESERVED_PREFIX) or not 1 <= len(key) <= 40 or len(value) > 500:
            raise InvalidMetadata(
                f"metadata key {key!r} must be 1-40 characters, not start with "
                f"{_RESERVED_PREFIX!r}, and its value at most 500 characters"
            )
