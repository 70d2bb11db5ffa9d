from __future__ import annotations

import pytest

from application.use_cases.refund_payment import RefundOrder
from domain.errors import DomainError
from domain.money import Money
from domain.payment import PaymentStatus
from domain.refund import RefundStatus
from domain.store import Store

from .system import INSUFFICIENT_FUNDS, System

pytestmark = pytest.mark.anyio


async def test_a_payment_is_read_with_its_refunds(system: System, store: Store) -> None:
    paid = await system.paid_payment(store, "A-1", 1999)
    await system.use_cases.refund_payment(RefundOrder(store.id, paid.id, amount=500))

    payment = await system.use_cases.get_payment(store.id, paid.id)

    assert payment.status is PaymentStatus.PARTIALLY_REFUNDED
    assert payment.amount_total == Money.of(1999, "EUR")
    assert payment.amount_platform_fee == Money.of(50, "EUR")
    assert payment.amount_store == Money.of(1949, "EUR")
    assert payment.amount_refunded == Money.of(500, "EUR")
    assert payment.charge_id == paid.charge_id
    assert payment.paid_at == paid.paid_at
    assert payment.failure_reason is None
    assert [(r.amount, r.status) for r in payment.refunds] == [
        (Money.of(500, "EUR"), RefundStatus.SUCCEEDED)
    ]


async def test_a_failed_payment_says_why(system: System, store: Store) -> None:
    made = await system.checkout(store, await system.order(store, "A-1"))
    await system.pay(made, INSUFFICIENT_FUNDS)

    payment = await system.use_cases.get_payment(store.id, made.payment.id)

    assert payment.status is PaymentStatus.FAILED
    assert payment.failure_reason == "insufficient_funds"
    assert payment.charge_id is None
    assert payment.paid_at is None


async def test_another_stores_payment_is_not_found(
    system: System, store: Store, other_store: Store
) -> None:
    paid = await system.paid_payment(store, "A-1")

    for store_id, payment_id in ((other_store.id, paid.id), (store.id, "pay_nobody")):
        with pytest.raises(DomainError) as refused:
            await system.use_cases.get_payment(store_id, payment_id)
        assert refused.value.code == "not_found"
