"""A store refunds a payment: at most what is left, the fee share and the transfer given back.

An ``idempotency_key`` makes a retried request return the refund the first one made; the same
key with a different request is refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from application.errors import IdempotencyKeyReused, InvalidRefund
from application.gateway import PaymentGateway
from application.lookups import require_payment
from application.outbox import OutboxWriter
from application.payments import save_payment
from application.ports import Clock, IdempotencyRecord, IdGenerator, UnitOfWork, UnitOfWorkFactory
from application.refund_submission import submit_refund
from application.transactions import retrying
from domain.money import Money
from domain.payment import Payment
from domain.refund import Refund, RefundReason


@dataclass(frozen=True, slots=True)
class RefundOrder:
    store_id: str
    payment_id: str
    amount: int | None = None
    reason: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class RefundMade:
    payment: Payment
    refund: Refund


class RefundPayment:
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

    async def __call__(self, command: RefundOrder) -> RefundMade:
        reason = None if command.reason is None else _reason(command.reason)
        reserved, replayed = await retrying(lambda: self._reserve(command, reason))
        if replayed:
            return reserved
        payment, refund = reserved.payment, reserved.refund
        # The refund is reserved before the gateway is asked, so two concurrent refunds can never
        # together take more than is left.
        payment = await submit_refund(
            self._uow_factory, self._gateway, self._clock, self._outbox, payment, refund
        )
        return RefundMade(payment=payment, refund=payment.refund(refund.id))

    async def _reserve(
        self, command: RefundOrder, reason: RefundReason | None
    ) -> tuple[RefundMade, bool]:
        async with self._uow_factory() as uow:
            replay = await self._replay(uow, command)
            if replay is not None:
                return replay, True
            payment = await require_payment(uow, command.store_id, command.payment_id)
            amount = (
                None
                if command.amount is None
                else Money.of(command.amount, payment.amount_total.currency)
            )
            refund = payment.request_refund(
                refund_id=self._ids.new_id("rf_"),
                requested_at=self._clock.now(),
                amount=amount,
                reason=reason,
            )
            await save_payment(uow, payment, self._outbox)
            if command.idempotency_key is not None:
                await uow.idempotency.add(
                    IdempotencyRecord(
                        scope=command.store_id,
                        key=_key(command.idempotency_key),
                        fingerprint=_fingerprint(command),
                        result=refund.id.encode(),
                        created_at=self._clock.now(),
                    )
                )
            await uow.commit()
            return RefundMade(payment=payment, refund=refund), False

    async def _replay(self, uow: UnitOfWork, command: RefundOrder) -> RefundMade | None:
        if command.idempotency_key is None:
            return None
        record = await uow.idempotency.get(command.store_id, _key(command.idempotency_key))
        if record is None:
            return None
        if record.fingerprint != _fingerprint(command):
            raise IdempotencyKeyReused("this idempotency key was used for another refund")
        payment = await require_payment(uow, command.store_id, command.payment_id)
        refund_id = (record.result or b"").decode()  # a refund's record is added with its id
        return RefundMade(payment=payment, refund=payment.refund(refund_id))


def _reason(text: str) -> RefundReason:
    try:
        return RefundReason(text)
    except ValueError:
        choices = ", ".join(r.value for r in RefundReason)
        raise InvalidRefund(f"{text!r} is not a refund reason (choose {choices})") from None


def _key(idempotency_key: str) -> str:
    return f"refund:{idempotency_key}"


def _fingerprint(command: RefundOrder) -> str:
    text = f"{command.payment_id}|{command.amount}|{command.reason}"
    return hashlib.sha256(text.encode()).hexdigest()
