"""What a shopper, a store or a bank does in a gateway's test mode, which the port has no call for.

The contract speaks to a gateway only through ``PaymentGateway`` and this small driver; each
gateway under test brings its own driver (the simulator's calls its test-mode methods; a real
Stripe account would use the Stripe API and a webhook forwarder).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from adapters.simulated import SimulatedGateway
from application.gateway import GatewayIntent

# Stripe's published test card numbers.
SUCCEEDS = "4242424242424242"
DECLINED = "4000000000000002"
INSUFFICIENT_FUNDS = "4000000000009995"
REQUIRES_AUTHENTICATION = "4000002500003155"
DISPUTED = "4000000000000259"
REFUND_FAILS = "4000000000005126"


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


class SimulatedDriver:
    def __init__(self, gateway: SimulatedGateway, inbox: Inbox) -> None:
        self._gateway = gateway
        self._inbox = inbox

    async def complete_onboarding(self, account_id: str) -> None:
        await self._gateway.complete_onboarding(account_id)

    async def pay(self, intent: GatewayIntent, card_number: str) -> None:
        await self._gateway.confirm(intent.id, intent.client_secret, card_number)

    async def pay_with_saved_card(self, intent: GatewayIntent, payment_method_id: str) -> None:
        await self._gateway.confirm_with_saved_card(
            intent.id, intent.client_secret, payment_method_id
        )

    async def authenticate(self, intent: GatewayIntent, *, success: bool) -> None:
        await self._gateway.authenticate(intent.id, intent.client_secret, success)

    async def close_dispute(self, dispute_id: str, *, won: bool) -> None:
        await self._gateway.close_dispute(dispute_id, won=won)

    async def settle(self) -> None:
        await self._gateway.settle_refunds()

    async def received(self) -> list[Received]:
        return list(self._inbox.deliveries)
