"""A marketplace driven over HTTP: stores set up payments, shoppers pay with Stripe's test cards.

Everything goes over HTTP; ``run`` reaches the use cases and the database on the app's own event
loop, for what no endpoint shows (the event inbox).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from litestar.testing import TestClient

from adapters.stripe_emulator import OnboardingSession, StripeEmulator
from adapters.stripe_emulator.delivery import sign
from application.ports import InboxEvent
from entrypoints.container import Service

from .conftest import API, StoreKey, open_store

T = TypeVar("T")
_references = itertools.count(1)

SHOPPER = "shopper@example.lu"
SUCCEEDS = "4242424242424242"
DECLINED = "4000000000000002"
INSUFFICIENT_FUNDS = "4000000000009995"
REQUIRES_3DS = "4000002500003155"
DISPUTED = "4000000000000259"
PUBLIC_URL = "http://127.0.0.1:8000"  # the service's own address in these tests


def onboarding_begun(
    market: Marketplace, client: TestClient[Any]
) -> tuple[StoreKey, OnboardingSession]:
    """A new store that began onboarding, with the onboarding link Stripe gave it."""
    store = open_store(client)
    account_id = market.set_up_payments(store)
    return store, market.stripe.latest_onboarding_link(account_id)


def local(url: str) -> str:
    """The path of one of the service's own URLs."""
    assert url.startswith(PUBLIC_URL), url
    return url.removeprefix(PUBLIC_URL)


@dataclass
class Marketplace:
    client: TestClient[Any]
    service: Service

    # -- plumbing ---------------------------------------------------------------------------

    def run(self, function: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run a coroutine function on the app's event loop."""
        return self.client.blocking_portal.call(function, *args)

    @property
    def stripe(self) -> StripeEmulator:
        """The Stripe emulator the service's gateway talks to (its test mode)."""
        emulator = self.service.adapters.stripe_emulator()
        assert isinstance(emulator, StripeEmulator)
        return emulator

    def inbox_event(self, event_id: str) -> InboxEvent | None:
        async def read() -> InboxEvent | None:
            async with self.service.adapters.uow_factory()() as uow:
                kept: InboxEvent | None = await uow.inbox.get(event_id)
                return kept

        return self.run(read)

    # -- stores -----------------------------------------------------------------------------

    def set_up_payments(self, store: StoreKey) -> str:
        """The store's connected account id (created on the first call)."""
        response = self.client.post(f"{API}/store/payments/setup", headers=store.headers)
        assert response.status_code == 200, response.text
        account_id: str = response.json()["stripe_account_id"]
        return account_id

    def complete_onboarding(self, account_id: str) -> None:
        response = self.client.post(f"/simulator/accounts/{account_id}/complete-onboarding")
        assert response.status_code == 200, response.text
        assert response.json()["charges_enabled"] is True

    def ready_store(self, name: str = "Atelier Ana", **fields: Any) -> StoreKey:
        """A store that accepts payments: opened, set up and onboarded."""
        store = open_store(self.client, name, **fields)
        self.complete_onboarding(self.set_up_payments(store))
        return store

    def order(
        self,
        store: StoreKey,
        amount: int = 1999,
        currency: str = "EUR",
        customer_email: str = SHOPPER,
        reference: str | None = None,
    ) -> str:
        reference = reference or f"R-{next(_references)}"
        response = self.client.post(
            f"{API}/store/orders",
            json={
                "reference": reference,
                "customer_email": customer_email,
                "amount": amount,
                "currency": currency,
            },
            headers=store.headers,
        )
        assert response.status_code == 201, response.text
        order_id: str = response.json()["id"]
        return order_id

    def payment(self, store: StoreKey, payment_id: str) -> dict[str, Any]:
        """The payment as the store sees it."""
        response = self.client.get(f"{API}/store/payments/{payment_id}", headers=store.headers)
        assert response.status_code == 200, response.text
        shown: dict[str, Any] = response.json()
        return shown

    def order_state(self, store: StoreKey, order_id: str) -> dict[str, Any]:
        response = self.client.get(f"{API}/store/orders/{order_id}", headers=store.headers)
        assert response.status_code == 200, response.text
        shown: dict[str, Any] = response.json()
        return shown

    # -- shoppers ---------------------------------------------------------------------------

    def create_intent(self, store_id: str, order_id: str, **body: Any) -> Any:
        return self.client.post(
            f"{API}/platform/stores/{store_id}/payments/create-intent",
            json={"order_id": order_id, "amount": 1999, "customer_email": SHOPPER, **body},
        )

    def customer_session(self, store: StoreKey, order_id: str) -> str:
        """What the store's backend asks for once the order's shopper signed in at the store."""
        response = self.client.post(
            f"{API}/store/orders/{order_id}/customer-session", headers=store.headers
        )
        assert response.status_code == 201, response.text
        token: str = response.json()["customer_session"]
        return token

    def intent_for(self, store: StoreKey, order_id: str, **body: Any) -> dict[str, Any]:
        """The order's intent; saving the card, for its shopper signed in at the store."""
        if body.get("save_payment_method") and "customer_session" not in body:
            body["customer_session"] = self.customer_session(store, order_id)
        response = self.create_intent(store.id, order_id, **body)
        assert response.status_code == 200, response.text
        intent: dict[str, Any] = response.json()
        return intent

    def confirm(self, intent: dict[str, Any], card_number: str) -> dict[str, Any]:
        response = self.client.post(
            f"/simulator/payment_intents/{intent['payment_intent_id']}/confirm",
            json={"client_secret": intent["client_secret"], "card_number": card_number},
        )
        assert response.status_code == 200, response.text
        confirmed: dict[str, Any] = response.json()
        return confirmed

    def authenticate(self, intent: dict[str, Any], success: bool) -> dict[str, Any]:
        response = self.client.post(
            f"/simulator/payment_intents/{intent['payment_intent_id']}/authenticate",
            json={"client_secret": intent["client_secret"], "success": success},
        )
        assert response.status_code == 200, response.text
        authenticated: dict[str, Any] = response.json()
        return authenticated


def signed(
    event: dict[str, Any] | bytes, secret: str, at: datetime | None = None
) -> tuple[bytes, dict[str, str]]:
    """A webhook body and its ``Stripe-Signature`` header, signed as Stripe (and the simulator)
    sign them."""
    payload = event if isinstance(event, bytes) else json.dumps(event).encode()
    header = sign(payload, secret, at or datetime.now(UTC))
    return payload, {"Stripe-Signature": header, "Content-Type": "application/json"}
