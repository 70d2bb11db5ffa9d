"""Requests and little stories the gateway contract is told in."""

from __future__ import annotations

from collections.abc import Mapping

from adapters.stripe_emulator import cards
from application.gateway import (
    GatewayEvent,
    GatewayIntent,
    IntentRequest,
    NewAccount,
    PaymentGateway,
    RefundRequest,
)
from domain.money import Money
from domain.refund import RefundReason

from .drivers import GatewayDriver, Received

STORE_ID = "store_1"
EMAIL = "shopper@example.com"


def eur(amount: str) -> Money:
    return Money.parse(amount, "EUR")


def new_account(
    store_id: str = STORE_ID, *, key: str | None = None, business_name: str = "Atelier Lumen"
) -> NewAccount:
    return NewAccount(
        store_id=store_id,
        business_name=business_name,
        email=f"owner@{store_id}.example.com",
        country="LU",
        idempotency_key=key or f"account-{store_id}",
    )


async def onboarded_account(
    gateway: PaymentGateway, driver: GatewayDriver, store_id: str = STORE_ID
) -> str:
    account = await gateway.create_account(new_account(store_id))
    await driver.complete_onboarding(account.account_id)
    return account.account_id


def intent_request(
    destination: str,
    *,
    amount: str = "100.00",
    fee: str = "2.50",
    key: str = "order_1-attempt_1",
    customer_id: str | None = None,
    save_payment_method: bool = False,
    metadata: Mapping[str, str] | None = None,
) -> IntentRequest:
    return IntentRequest(
        amount=eur(amount),
        application_fee=eur(fee),
        destination_account=destination,
        idempotency_key=key,
        receipt_email=EMAIL,
        customer_id=customer_id,
        save_payment_method=save_payment_method,
        metadata={"order_id": "order_1"} if metadata is None else metadata,
    )


async def paid_intent(
    gateway: PaymentGateway,
    driver: GatewayDriver,
    destination: str,
    card: str = cards.SUCCEEDS,
    *,
    amount: str = "100.00",
    fee: str = "2.50",
    key: str = "order_1-attempt_1",
) -> GatewayIntent:
    intent = await gateway.create_payment_intent(
        intent_request(destination, amount=amount, fee=fee, key=key)
    )
    await driver.pay(intent, card)
    return await gateway.retrieve_payment_intent(intent.id)


def refund_request(
    payment_intent_id: str,
    amount: str,
    fee: str,
    *,
    refund_id: str = "refund_1",
    reason: RefundReason | None = None,
) -> RefundRequest:
    return RefundRequest(
        payment_intent_id=payment_intent_id,
        amount=eur(amount),
        application_fee_refund=eur(fee),
        idempotency_key=f"refund-{refund_id}",
        reason=reason,
        metadata={"storepay_refund_id": refund_id},
    )


async def events(gateway: PaymentGateway, driver: GatewayDriver, *types: str) -> list[GatewayEvent]:
    """The events received so far (of ``types``, if named), each verified and typed."""
    typed = [parse(gateway, delivery) for delivery in await driver.received()]
    return [event for event in typed if not types or event.type in types]


def parse(gateway: PaymentGateway, delivery: Received) -> GatewayEvent:
    return gateway.parse_event(
        delivery.payload, delivery.signature_header, connect=delivery.connect
    )
