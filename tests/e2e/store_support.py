"""What store back-office tests need beyond HTTP: an onboarded store and paid orders.

Payments are driven through the container's use cases and the Stripe emulator's test mode, inside
the test client's event loop (its blocking portal), the way a shopper's browser would drive them;
the emulator delivers its signed events to the webhook handling itself.
"""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from adapters.stripe_emulator import StripeEmulator, cards
from application.use_cases.create_customer_session import SessionForOrder
from application.use_cases.create_payment_intent import IntentForOrder
from entrypoints.container import Service

from .conftest import API, StoreKey

SUCCEEDS = cards.SUCCEEDS
MASTERCARD = cards.SUCCEEDS_MASTERCARD
DECLINED = cards.DECLINED
DISPUTED = cards.DISPUTED


def stripe(service: Service) -> StripeEmulator:
    """The Stripe emulator the service's gateway talks to."""
    emulator = service.adapters.stripe_emulator()
    assert isinstance(emulator, StripeEmulator)
    return emulator


def onboard(client: TestClient[Any], service: Service, store: StoreKey) -> str:
    """Set the store's payments up over HTTP and finish its onboarding; its account id."""
    response = client.post(f"{API}/store/payments/setup", headers=store.headers)
    assert response.status_code == 200, response.text
    account_id: str = response.json()["stripe_account_id"]
    client.blocking_portal.call(stripe(service).complete_onboarding, account_id)
    return account_id


def register_order(
    client: TestClient[Any],
    store: StoreKey,
    reference: str,
    amount: int = 1999,
    *,
    currency: str = "EUR",
    customer_email: str = "ana@shopper.example",
) -> dict[str, Any]:
    response = client.post(
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
    order: dict[str, Any] = response.json()
    return order


def pay(
    client: TestClient[Any],
    service: Service,
    store: StoreKey,
    order: dict[str, Any],
    card: str = SUCCEEDS,
    *,
    save_card: bool = False,
) -> str:
    """The shopper pays ``order`` with ``card``; the payment's id."""

    async def checkout() -> str:
        use_cases = service.use_cases()
        # Saving a card takes the shopper signed in at the store: a customer session.
        session = (
            (await use_cases.create_customer_session(SessionForOrder(store.id, order["id"]))).token
            if save_card
            else None
        )
        created = await use_cases.create_payment_intent(
            IntentForOrder(
                store_id=store.id,
                order_id=order["id"],
                amount=order["amount"],
                customer_email=order["customer_email"],
                save_payment_method=save_card,
                customer_session=session,
            )
        )
        await stripe(service).confirm(created.intent.id, created.intent.client_secret, card)
        return created.payment.id

    payment_id: str = client.blocking_portal.call(checkout)
    return payment_id


def paid_order(
    client: TestClient[Any],
    service: Service,
    store: StoreKey,
    reference: str,
    amount: int = 1999,
    card: str = SUCCEEDS,
    **order_fields: Any,
) -> str:
    """Register an order and pay it; the payment's id."""
    return pay(
        client,
        service,
        store,
        register_order(client, store, reference, amount, **order_fields),
        card,
    )
