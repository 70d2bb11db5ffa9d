"""Apply one webhook from the gateway: verified, stored once, applied once, never lost.

The event is stored in the inbox with its id unique and applied in the same transaction. Most
deliveries are first deliveries, so the first attempt takes the event to be new, reads the
payment without locking it (its save is checked by its version) and lets the commit claim the
event; when the commit finds it known or the payment changed (or anything else goes wrong), the
careful way follows: claim first, then apply, with the payment it touches locked. A duplicate is
acknowledged and changes nothing. If applying fails, everything rolls back, the event is kept as
failed with its attempt count and error (so reconciliation retries it even if the gateway gives
up), and the error propagates so the gateway is told to send it again.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from application.errors import UnknownGatewayObject
from application.gateway import (
    AccountDeauthorizedEvent,
    AccountUpdatedEvent,
    DisputeEvent,
    GatewayEvent,
    InvalidEvent,
    PaymentGateway,
    PaymentIntentEvent,
    PaymentMethodEvent,
    PayoutEvent,
    RefundEvent,
)
from application.outbox import OutboxWriter
from application.payments import save_payment
from application.ports import (
    Clock,
    ConcurrentUpdate,
    DeliveryOutcome,
    DuplicateRecord,
    IdGenerator,
    InboxEvent,
    InboxStatus,
    NoTelemetry,
    Telemetry,
    UnitOfWork,
    UnitOfWorkFactory,
)
from application.stores import save_store
from application.transactions import retrying
from application.use_cases.list_payment_methods import saved_method
from domain.errors import DomainError
from domain.payment import Payment
from domain.payout import PayoutReport
from domain.store import Store

logger = logging.getLogger(__name__)
MAX_ERROR_LENGTH = 1000


_ACTED_ON = (
    PaymentIntentEvent,
    RefundEvent,
    DisputeEvent,
    AccountUpdatedEvent,
    AccountDeauthorizedEvent,
    PayoutEvent,
    PaymentMethodEvent,
)


def acts_on(event: GatewayEvent) -> bool:
    """Whether storepay changes anything for an event of this kind (others are ignored)."""
    return isinstance(event, _ACTED_ON)


def _outcome_of(event: GatewayEvent) -> DeliveryOutcome:
    """What handling a new delivery of ``event`` comes to, once applied."""
    return DeliveryOutcome.APPLIED if acts_on(event) else DeliveryOutcome.IGNORED


class HandleGatewayEvent:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        gateway: PaymentGateway,
        clock: Clock,
        ids: IdGenerator,
        telemetry: Telemetry | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._gateway = gateway
        self._clock = clock
        self._outbox = OutboxWriter(ids, clock)
        self._telemetry = telemetry or NoTelemetry()

    async def __call__(
        self, payload: bytes, signature_header: str, *, connect: bool
    ) -> DeliveryOutcome:
        """One delivery of an event, reported to telemetry with what became of it."""
        try:
            event = self._gateway.parse_event(payload, signature_header, connect=connect)
        except InvalidEvent:
            self._telemetry.gateway_event(None, DeliveryOutcome.REJECTED, None)
            raise
        try:
            outcome = await self.apply(event, payload, connect=connect)
        except Exception:
            self._telemetry.gateway_event(event.type, DeliveryOutcome.FAILED, None)
            raise
        lag = None if outcome is DeliveryOutcome.DUPLICATE else self._lag(event)
        self._telemetry.gateway_event(event.type, outcome, lag)
        return outcome

    def _lag(self, event: GatewayEvent) -> timedelta:
        """How long after the gateway created the event it was handled (never negative: the
        gateway stamps whole seconds, and clocks differ)."""
        return max(self._clock.now() - event.created_at, timedelta(0))

    async def apply(self, event: GatewayEvent, payload: bytes, *, connect: bool) -> DeliveryOutcome:
        try:
            try:
                return await self._apply_new(event, payload, connect)
            except (DuplicateRecord, ConcurrentUpdate, DomainError):
                pass  # known, changed meanwhile, or failing: the careful way tells which
            # Concurrent deliveries of one event race to claim it in the inbox: the losers run
            # again, find it claimed and acknowledge it as a duplicate.
            return await retrying(
                lambda: self._apply_once(event, payload, connect), also_on=(DuplicateRecord,)
            )
        except Exception as error:
            await self._record_failure(event, payload, connect, error)
            raise

    async def _apply_new(
        self, event: GatewayEvent, payload: bytes, connect: bool
    ) -> DeliveryOutcome:
        """The event applied as a first delivery, claimed by the commit (on PostgreSQL, a unit
        of work that reads and then commits in one statement)."""
        outcome = _outcome_of(event)
        async with self._uow_factory() as uow:
            await uow.inbox.claim(self._handled(event, payload, connect, outcome))
            await self._apply(uow, event, lock=False)
            await uow.commit()
        return outcome

    async def _apply_once(
        self, event: GatewayEvent, payload: bytes, connect: bool
    ) -> DeliveryOutcome:
        outcome = _outcome_of(event)
        async with self._uow_factory() as uow:
            # The event goes into the inbox as handled: the claim and the record of its
            # handling are one write, and a failure below rolls both back.
            failed_before = None
            if not await uow.inbox.add(self._handled(event, payload, connect, outcome)):
                failed_before = await uow.inbox.get(event.event_id)
                if failed_before is None or failed_before.handled:
                    return DeliveryOutcome.DUPLICATE
            await self._apply(uow, event, lock=True)
            if failed_before is not None:
                self._mark_handled(failed_before, outcome)
                await uow.inbox.save(failed_before)
            await uow.commit()
            return outcome

    def _handled(
        self, event: GatewayEvent, payload: bytes, connect: bool, outcome: DeliveryOutcome
    ) -> InboxEvent:
        record = self._received(event, payload, connect)
        self._mark_handled(record, outcome)
        return record

    def _mark_handled(self, record: InboxEvent, outcome: DeliveryOutcome) -> None:
        record.attempts += 1
        record.status = (
            InboxStatus.IGNORED if outcome is DeliveryOutcome.IGNORED else InboxStatus.PROCESSED
        )
        record.last_error = None
        record.processed_at = self._clock.now()

    def _received(self, event: GatewayEvent, payload: bytes, connect: bool) -> InboxEvent:
        return InboxEvent(
            event_id=event.event_id,
            type=event.type,
            payload=payload,
            connect=connect,
            received_at=self._clock.now(),
        )

    async def _record_failure(
        self, event: GatewayEvent, payload: bytes, connect: bool, error: Exception
    ) -> None:
        message = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
        logger.warning("gateway event %s (%s) failed: %s", event.event_id, event.type, message)
        try:
            async with self._uow_factory() as uow:
                record = await uow.inbox.get(event.event_id)
                if record is None:
                    record = self._received(event, payload, connect)
                    await uow.inbox.add(record)
                if record.handled:
                    return
                record.status = InboxStatus.FAILED
                record.attempts += 1
                record.last_error = message
                await uow.inbox.save(record)
                await uow.commit()
        except Exception:
            # The store itself is failing; the gateway will send the event again.
            logger.exception("could not record the failure of gateway event %s", event.event_id)

    async def _apply(self, uow: UnitOfWork, event: GatewayEvent, *, lock: bool) -> None:
        """``event`` applied in ``uow``; with ``lock``, the payment it changes locked first."""
        if isinstance(event, PaymentIntentEvent):
            payment = await self._payment(uow, event.payment_intent_id, lock)
            payment.observe_intent(event.observation)
            await save_payment(uow, payment, self._outbox)
        elif isinstance(event, RefundEvent):
            payment = await self._payment_of(uow, event, lock)
            payment.observe_refund(event.observation)
            await save_payment(uow, payment, self._outbox)
        elif isinstance(event, DisputeEvent):
            payment = await self._payment_of(uow, event, lock)
            payment.observe_dispute(event.observation)
            await save_payment(uow, payment, self._outbox)
        elif isinstance(event, AccountUpdatedEvent):
            store = await self._store(uow, event)
            if store.account is not None:
                store.account.observe(event.snapshot)
            await save_store(uow, store, self._outbox)
        elif isinstance(event, AccountDeauthorizedEvent):
            store = await self._store(uow, event)
            if store.account is not None:
                store.account.deauthorize(event.created_at)
            await save_store(uow, store, self._outbox)
        elif isinstance(event, PayoutEvent):
            store = await self._store(uow, event)
            store.record_payout(
                PayoutReport(
                    payout_id=event.payout_id,
                    amount=event.amount,
                    status=event.status,
                    reported_at=event.created_at,
                    failure_code=event.failure_code,
                )
            )
            await uow.stores.save(store)
        elif isinstance(event, PaymentMethodEvent):
            await self._apply_payment_method(uow, event)

    async def _apply_payment_method(self, uow: UnitOfWork, event: PaymentMethodEvent) -> None:
        if not event.attached or event.card is None:
            known = await uow.payment_methods.by_gateway_id(event.payment_method_id)
            if known is not None:
                await uow.payment_methods.remove(known.store_id, known.id)
            return
        owner = await uow.customers.by_gateway_customer(event.card.customer_id)
        if owner is None:
            return  # a customer storepay did not create: nothing of ours to mirror
        store_id, email = owner
        if await uow.payment_methods.get(store_id, event.payment_method_id) is None:
            await uow.payment_methods.add(saved_method(event.card, store_id, email, self._clock))

    @staticmethod
    async def _payment(uow: UnitOfWork, payment_intent_id: str, lock: bool) -> Payment:
        payment = await uow.payments.by_intent_id(payment_intent_id, lock=lock)
        if payment is None:
            raise UnknownGatewayObject(f"no payment for intent {payment_intent_id} (yet)")
        return payment

    @classmethod
    async def _payment_of(
        cls, uow: UnitOfWork, event: RefundEvent | DisputeEvent, lock: bool
    ) -> Payment:
        """The payment of the intent the event names, or else of the charge it names."""
        if event.payment_intent_id is not None:
            return await cls._payment(uow, event.payment_intent_id, lock)
        payment = (
            None
            if event.charge_id is None
            else await uow.payments.by_charge_id(event.charge_id, lock=lock)
        )
        if payment is None:
            raise UnknownGatewayObject(f"no payment for charge {event.charge_id} (yet)")
        return payment

    @staticmethod
    async def _store(uow: UnitOfWork, event: GatewayEvent) -> Store:
        store = (
            None if event.account_id is None else await uow.stores.by_account_id(event.account_id)
        )
        if store is None:
            raise UnknownGatewayObject(f"no store for account {event.account_id} (yet)")
        return store
