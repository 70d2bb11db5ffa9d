"""What a shopper, a store or a bank does in a gateway's test mode, which the port has no call for.

The contract speaks to a gateway only through ``PaymentGateway`` and this small driver; each
gateway under test brings its own driver (the emulator's acts through its test-mode actions; a
real Stripe account would use Stripe's test helpers and a webhook forwarder). Shoppers pay with
Stripe's published test cards (``adapters.stripe_emulator.cards``), which any Stripe account in
test mode takes.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from adapters.stripe_emulator import EmulatorError, StripeEmulator
from application.gateway import GatewayIntent

T = TypeVar("T")


class Refused(Exception):
    """The gateway's test mode refused what a shopper, a store or a bank tried."""


@dataclass(frozen=True, slots=True)
class Received:
    """One webhook delivery as the endpoint receives it."""

    payload: bytes
    signature_header: str
    connect: bool


class GatewayDriver(Protocol):
    async def complete_onboarding(self, account_id: str) -> None: ...

    async def pay(self, intent: GatewayIntent, card_number: str) -> None: ...

    async def pay_with_saved_card(self, intent: GatewayIntent, payment_method_id: str) -> None:
        """Confirm with a card a customer saved (Stripe: ``payment_method`` on confirm)."""
        ...

    async def authenticate(self, intent: GatewayIntent, *, success: bool) -> None: ...

    async def close_dispute(self, dispute_id: str, *, won: bool) -> None: ...

    async def settle(self) -> None:
        """Let what the gateway finishes later happen (a refund that fails after the fact)."""
        ...

    async def received(self) -> list[Received]:
        """Every webhook delivery so far, in the order received."""
        ...


class Inbox:
    def __init__(self) -> None:
        self.deliveries: list[Received] = []

    async def receive(self, payload: bytes, signature_header: str, connect: bool) -> None:
        self.deliveries.append(Received(payload, signature_header, connect))


class EmulatorDriver:
    """Acts through the Stripe emulator's test mode; its deliveries land in ``inbox``."""

    def __init__(self, emulator: StripeEmulator, inbox: Inbox) -> None:
        self._emulator = emulator
        self._inbox = inbox

    async def complete_onboarding(self, account_id: str) -> None:
        await _refusable(self._emulator.complete_onboarding(account_id))

    async def pay(self, intent: GatewayIntent, card_number: str) -> None:
        await _refusable(self._emulator.confirm(intent.id, intent.client_secret, card_number))

    async def pay_with_saved_card(self, intent: GatewayIntent, payment_method_id: str) -> None:
        await _refusable(
            self._emulator.confirm_with_saved_card(
                intent.id, intent.client_secret, payment_method_id
            )
        )

    async def authenticate(self, intent: GatewayIntent, *, success: bool) -> None:
        await _refusable(self._emulator.authenticate(intent.id, intent.client_secret, success))

    async def close_dispute(self, dispute_id: str, *, won: bool) -> None:
        await _refusable(self._emulator.close_dispute(dispute_id, won=won))

    async def settle(self) -> None:
        await self._emulator.settle_refunds()

    async def received(self) -> list[Received]:
        return list(self._inbox.deliveries)


async def _refusable(action: Awaitable[T]) -> T:
    try:
        return await action
    except EmulatorError as refused:
        raise Refused(refused.message) from refused
