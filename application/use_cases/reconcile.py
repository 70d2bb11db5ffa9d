"""Heal what webhooks and timeouts left behind: sync payments stuck awaiting an outcome and
refunds stuck pending (submitting again those the gateway never acknowledged), retry failed
events, relay the domain events waiting in the outbox (``relay_domain_events``), and purge the
answers kept for ``Idempotency-Key`` retries once a day old.

Run on a schedule (``storepay serve`` does) and on demand (``storepay reconcile``). Each payment
and each event is handled in its own transaction, so one failure does not hold up the rest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from application.gateway import PaymentGateway
from application.idempotent_requests import IdempotentRequests
from application.outbox import OutboxWriter
from application.ports import (
    Clock,
    DeliveryOutcome,
    IdGenerator,
    NoTelemetry,
    Telemetry,
    UnitOfWorkFactory,
)
from application.refund_submission import change_payment, submit_refund
from application.settings import ServiceSettings
from application.transactions import retrying
from application.use_cases.handle_gateway_event import HandleGatewayEvent
from application.use_cases.relay_domain_events import RelayDomainEvents
from domain.payment import Payment
from domain.refund import Refund, RefundStatus

logger = logging.getLogger(__name__)
MAX_EVENT_ATTEMPTS = 10


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    payments_checked: int
    payments_changed: int
    refunds_checked: int
    events_retried: int
    events_recovered: int
    failures: int
    idempotency_records_purged: int = 0  # answers of requests kept past their 24 h
    domain_events_relayed: int = 0
    domain_events_purged: int = 0  # relayed longer ago than the outbox keeps them


class Reconcile:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        gateway: PaymentGateway,
        handle_event: HandleGatewayEvent,
        clock: Clock,
        ids: IdGenerator,
        settings: ServiceSettings,
        telemetry: Telemetry | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._gateway = gateway
        self._handle_event = handle_event
        self._clock = clock
        self._outbox = OutboxWriter(ids, clock)
        self._settings = settings
        self._telemetry = telemetry or NoTelemetry()
        self._idempotent_requests = IdempotentRequests(uow_factory, clock)
        self._relay = RelayDomainEvents(
            uow_factory, clock, settings.reconcile_batch_size, self._telemetry
        )

    async def __call__(self) -> ReconcileReport:
        try:
            report = await self._run()
        except Exception:  # a cancelled pass (shutting down) did not fail
            self._telemetry.reconciliation(None)
            raise
        self._telemetry.reconciliation(report.failures)
        return report

    async def _run(self) -> ReconcileReport:
        checked, changed, payment_failures = await self._sync_payments()
        refunds, refund_failures = await self._settle_refunds()
        retried, recovered, event_failures = await self._retry_events()
        relay = await self._relay()  # last: it relays what the steps above recorded
        purged = await self._idempotent_requests.purge()
        return ReconcileReport(
            payments_checked=checked,
            payments_changed=changed,
            refunds_checked=refunds,
            events_retried=retried,
            events_recovered=recovered,
            failures=payment_failures + refund_failures + event_failures,
            idempotency_records_purged=purged,
            domain_events_relayed=relay.relayed,
            domain_events_purged=relay.purged,
        )

    async def _sync_payments(self) -> tuple[int, int, int]:
        """Every payment awaiting an outcome, batch by batch: abandoned checkouts stay open for
        ever, so a run that stopped at the first batch would never reach a payment behind them."""
        cutoff = self._clock.now() - self._settings.stuck_payment_age
        checked = changed = failures = 0
        after: str | None = None
        while True:
            async with self._uow_factory() as uow:
                batch = await uow.payments.awaiting_outcome(
                    cutoff, self._settings.reconcile_batch_size, after=after
                )
            if not batch:
                return checked, changed, failures
            after = batch[-1].id
            for candidate in batch:
                if candidate.payment_intent_id is None:
                    continue
                checked += 1
                try:
                    changed += await self._sync(candidate, candidate.payment_intent_id)
                except Exception:
                    failures += 1
                    logger.exception("could not sync payment %s", candidate.id)

    async def _sync(self, payment: Payment, payment_intent_id: str) -> bool:
        intent = await self._gateway.retrieve_payment_intent(payment_intent_id)

        def observe(current: Payment) -> None:
            current.observe_intent(intent.observation)

        synced = await retrying(
            lambda: change_payment(self._uow_factory, self._outbox, payment, observe)
        )
        return synced.status is not payment.status

    async def _settle_refunds(self) -> tuple[int, int]:
        """Refunds pending too long: submit those the gateway never acknowledged, and ask the
        gateway where the others stand (their report may have been lost)."""
        cutoff = self._clock.now() - self._settings.stuck_payment_age
        async with self._uow_factory() as uow:
            payments = await uow.payments.with_pending_refunds(
                cutoff, self._settings.reconcile_batch_size
            )
        settled = failures = 0
        for payment in payments:
            pending = [
                refund
                for refund in payment.refunds
                if refund.status in (RefundStatus.PENDING, RefundStatus.REQUIRES_ACTION)
                and refund.created_at < cutoff
            ]
            for refund in pending:
                try:
                    await self._settle_refund(payment, refund)
                    settled += 1
                except Exception:
                    failures += 1
                    logger.warning("refund %s not settled", refund.id, exc_info=True)
        return settled, failures

    async def _settle_refund(self, payment: Payment, refund: Refund) -> None:
        if refund.gateway_refund_id is None:
            await submit_refund(
                self._uow_factory, self._gateway, self._clock, self._outbox, payment, refund
            )
            return
        observation = await self._gateway.retrieve_refund(refund.gateway_refund_id)

        def observe(current: Payment) -> None:
            current.observe_refund(observation)

        await retrying(lambda: change_payment(self._uow_factory, self._outbox, payment, observe))

    async def _retry_events(self) -> tuple[int, int, int]:
        async with self._uow_factory() as uow:
            failed = await uow.inbox.failed(self._settings.reconcile_batch_size)
        retried = recovered = failures = 0
        for record in failed:
            if record.attempts >= MAX_EVENT_ATTEMPTS:
                continue
            retried += 1
            try:
                event = self._gateway.type_event(record.payload, connect=record.connect)
                outcome = await self._handle_event.apply(
                    event, record.payload, connect=record.connect
                )
                recovered += outcome is not DeliveryOutcome.DUPLICATE
            except Exception:
                failures += 1
                logger.warning("gateway event %s failed again", record.event_id, exc_info=True)
        return retried, recovered, failures
