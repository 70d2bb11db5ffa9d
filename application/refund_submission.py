"""Asking the gateway for a refund already reserved on its payment, and recording the answer."""

from __future__ import annotations

from collections.abc import Callable

from application.gateway import GatewayError, GatewayUnavailable, PaymentGateway, RefundRequest
from application.lookups import require_payment
from application.outbox import OutboxWriter
from application.payments import save_payment
from application.ports import Clock, UnitOfWorkFactory
from application.transactions import retrying
from domain.errors import IllegalTransition
from domain.payment import Payment
from domain.refund import Refund


def refund_request(payment: Payment, refund: Refund) -> RefundRequest:
    """What the gateway is asked; the key is the refund's own id, so asking again is safe."""
    if payment.payment_intent_id is None:
        raise IllegalTransition("a payment without an intent cannot be refunded")
    return RefundRequest(
        payment_intent_id=payment.payment_intent_id,
        amount=refund.amount,
        application_fee_refund=refund.platform_fee_refunded,
        idempotency_key=f"storepay:refund:{refund.id}",
        reason=refund.reason,
        metadata={"storepay_refund_id": refund.id, "storepay_payment_id": payment.id},
    )


async def submit_refund(
    uow_factory: UnitOfWorkFactory,
    gateway: PaymentGateway,
    clock: Clock,
    outbox: OutboxWriter,
    payment: Payment,
    refund: Refund,
) -> Payment:
    """Submit the refund; a refusal gives its amount back, then is raised.

    If the gateway cannot be reached it may or may not have made the refund: it stays pending
    and reconciliation asks again with the same key.
    """
    try:
        observation = await gateway.create_refund(refund_request(payment, refund))
    except GatewayUnavailable:
        raise
    except GatewayError as refused:
        reason = refused.message

        def abandon(current: Payment) -> None:
            current.abandon_refund(refund.id, reason=reason, at=clock.now())

        await retrying(lambda: change_payment(uow_factory, outbox, payment, abandon))
        raise

    def record(current: Payment) -> None:
        current.attach_gateway_refund(refund.id, observation.gateway_refund_id)
        current.observe_refund(observation)

    return await retrying(lambda: change_payment(uow_factory, outbox, payment, record))


async def change_payment(
    uow_factory: UnitOfWorkFactory,
    outbox: OutboxWriter,
    payment: Payment,
    change: Callable[[Payment], None],
) -> Payment:
    """One transaction: load the payment afresh, change it, save it with its order and ledger."""
    async with uow_factory() as uow:
        current = await require_payment(uow, payment.store_id, payment.id)
        change(current)
        await save_payment(uow, current, outbox)
        await uow.commit()
    return current
