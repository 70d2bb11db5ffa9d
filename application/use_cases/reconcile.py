"""Heal what webhooks and timeouts left behind: sync payments stuck awaiting an outcome, ask the
gateway again for refunds it never acknowledged, and retry failed events.

Run on a schedule (``storepay serve`` does) and on demand (``storepay reconcile``). Each payment
and each event is handled in its own transaction, so one failure does not hold up the rest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from application.gateway import PaymentGateway
from application.payments import save_payment
from application.ports import Clock, UnitOfWorkFactory
from application.refund_submission import submit_refund
from application.settings import ServiceSettings
from application.use_cases.handle_gateway_event import EventOutcome, HandleGatewayEvent
from domain.refund import RefundStatus

logger = logging.getLogger(__name__)
MAX_EVENT_ATTEMPTS = 10


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    payments_checked: int
    payments_changed: int
    refunds_resubmitted: int
    events_retried: int
    events_recovered: int
    failures: int


class Reconcile:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        gateway: PaymentGateway,
        handle_event: HandleGatewayEvent,
        clock: Clock,
        settings: ServiceSettings,
    ) -> None:
        self._uow_factory = uow_factory
        self._gateway = gateway
        self._handle_event = handle_event
        self._clock = clock
        self._settings = settings

    async def __call__(self) -> ReconcileReport:
        checked, changed, payment_failures = await self._sync_payments()
        resubmitted, refund_failures = await self._resubmit_refunds()
        retried, recovered, event_failures = await self._retry_events()
        return ReconcileReport(
            payments_checked=checked,
            payments_changed=changed,
            refunds_resubmitted=resubmitted,
            events_retried=retried,
            events_recovered=recovered,
            failures=payment_failures + refund_failures + event_failures,
        )

    async def _sync_payments(self) -> tuple[int, int, int]:
        cutoff = self._clock.now() - self._settings.stuck_payment_age
        async with self._uow_factory() as uow:
            stuck = await uow.payments.awaiting_outcome(cutoff, self._settings.reconcile_batch_size)
        checked = changed = failures = 0
        for candidate in stuck:
            if candidate.payment_intent_id is None:
                continue
            checked += 1
            try:
                intent = await self._gateway.retrieve_payment_intent(candidate.payment_intent_id)
                async with self._uow_factory() as uow:
                    payment = await uow.payments.by_intent_id(candidate.payment_intent_id)
                    if payment is None:
                        continue
                    before = payment.status
                    payment.observe_intent(intent.observation)
                    await save_payment(uow, payment)
                    await uow.commit()
                changed += payment.status is not before
            except Exception:
                failures += 1
                logger.exception("could not sync payment %s", candidate.id)
        return checked, changed, failures

    async def _resubmit_refunds(self) -> tuple[int, int]:
        cutoff = self._clock.now() - self._settings.stuck_payment_age
        async with self._uow_factory() as uow:
            payments = await uow.payments.with_unsubmitted_refunds(
                cutoff, self._settings.reconcile_batch_size
            )
        resubmitted = failures = 0
        for payment in payments:
            unsubmitted = [
                refund
                for refund in payment.refunds
                if refund.gateway_refund_id is None and refund.status is RefundStatus.PENDING
            ]
            for refund in unsubmitted:
                try:
                    await submit_refund(
                        self._uow_factory, self._gateway, self._clock, payment, refund
                    )
                    resubmitted += 1
                except Exception:
                    failures += 1
                    logger.warning("refund %s not resubmitted", refund.id, exc_info=True)
        return resubmitted, failures

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
                recovered += outcome is not EventOutcome.DUPLICATE
            except Exception:
                failures += 1
                logger.warning("gateway event %s failed again", record.event_id, exc_info=True)
        return retried, recovered, failures
