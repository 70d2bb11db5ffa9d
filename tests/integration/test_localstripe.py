"""storepay's Stripe adapter against localstripe, a third party's stand-in for Stripe, side by side
with the Stripe emulator: the same calls read the same way on both, for what localstripe knows.

localstripe (a dev dependency, see ``localstripe_server``) runs unmodified over HTTP; the
adapter reaches it through stripe-python's HTTPX client as it reaches Stripe. It knows customers,
payment intents with their charges, payment methods and refunds, and signs its webhook events.
It has no Connect: no accounts, and it refuses a destination charge's ``transfer_data`` and
``application_fee_amount`` and a refund's ``refund_application_fee`` and ``reverse_transfer``, so
storepay's own charges and refunds, and stores' accounts, are checked on the emulator only. Nor
does it list a customer's payment methods at ``/v1/customers/{id}/payment_methods``.

What the port has no call for (a payment made, a card attached or a refund issued at Stripe)
each side does its own way: at localstripe through its API, on the emulator through the adapter
and the emulator's test mode. What follows is read through the adapter on both.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import anyio
import pytest
import stripe
from contract.gateway.builders import intent_request, new_account, refund_request
from localstripe_server import (
    Delivery,
    WebhookEndpoint,
    local_stripe,
    register_webhook,
    webhook_endpoint,
)
from stripe.params import PaymentIntentCreateParams
from stripe_emulation import emulated_stripe

from adapters.stripe import StripeGateway
from adapters.stripe_emulator.cards import REQUIRES_AUTHENTICATION, SUCCEEDS
from application.gateway import GatewayError, GatewayUnavailable, PaymentIntentEvent
from domain.money import Money
from domain.payment import IntentState
from domain.refund import RefundStatus
from entrypoints.container import stripe_gateway
from entrypoints.settings import load_settings

pytestmark = [
    pytest.mark.anyio,
    # stripe 16.1's HTTPXClient posts its form body as ``httpx.AsyncClient.request(data=bytes)``,
    # which httpx 0.28 deprecates; neither is ours to change, and nothing else is filtered.
    pytest.mark.filterwarnings(
        r"ignore:Use 'content=<\.\.\.>' to upload raw bytes/text content\.:DeprecationWarning"
    ),
]

SECRET_KEY = "sk_test_storepay_crosscheck"
PUBLISHABLE_KEY = "pk_test_storepay_crosscheck"
WEBHOOK_SECRET = "whsec_storepay_crosscheck"
# Stripe's card that attaches but is declined when charged: localstripe's one declining card
# (the emulator declines any number it does not know).
DECLINED_WHEN_CHARGED = "4000000000000341"
NO_CONNECT = "localstripe has no Connect (accounts, destination charges, their refunds)"
EMAIL = "shopper@example.lu"
AMOUNT = Money.of(5000, "EUR")


class Side(Protocol):
    """One of the two Stripes, with what the port has no call for."""

    gateway: StripeGateway

    async def intent(self, card: str | None = None) -> str:
        """A payment intent of ``AMOUNT`` made at Stripe, paid with ``card`` when one is named."""
        ...

    async def refund(self, payment_intent_id: str, amount: Money, refund_id: str) -> str: ...

    async def saved_card(self, customer_id: str) -> str: ...

    async def holder(self, payment_method_id: str) -> str | None:
        """The customer a payment method is attached to, as Stripe keeps it."""
        ...

    async def delivery(self, event_type: str, object_id: str) -> Delivery: ...


# -- localstripe -------------------------------------------------------------------------------


@dataclass
class AtLocalStripe:
    gateway: StripeGateway
    client: stripe.StripeClient
    endpoint: WebhookEndpoint

    async def intent(self, card: str | None = None) -> str:
        made: PaymentIntentCreateParams = {"amount": AMOUNT.minor_units, "currency": "eur"}
        if card is not None:
            made["payment_method"] = await self._card(card)
        intent = await self.client.v1.payment_intents.create_async(made)
        if card is not None:
            with contextlib.suppress(stripe.CardError):  # a declined attempt: the intent says so
                await self.client.v1.payment_intents.confirm_async(intent.id)
        return intent.id

    async def refund(self, payment_intent_id: str, amount: Money, refund_id: str) -> str:
        refund = await self.client.v1.refunds.create_async(
            {
                "payment_intent": payment_intent_id,
                "amount": amount.minor_units,
                "metadata": {"storepay_refund_id": refund_id},
            }
        )
        return refund.id

    async def saved_card(self, customer_id: str) -> str:
        card = await self._card(SUCCEEDS)
        await self.client.v1.payment_methods.attach_async(card, {"customer": customer_id})
        return card

    async def holder(self, payment_method_id: str) -> str | None:
        method = await self.client.v1.payment_methods.retrieve_async(payment_method_id)
        return None if method.customer is None else str(method.customer)

    async def delivery(self, event_type: str, object_id: str) -> Delivery:
        return await anyio.to_thread.run_sync(self.endpoint.wait_for, event_type, object_id)

    async def _card(self, number: str) -> str:
        method = await self.client.v1.payment_methods.create_async(
            {
                "type": "card",
                "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
            }
        )
        return method.id


# -- the Stripe emulator -----------------------------------------------------------------------


class OnTheEmulator:
    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        built = emulated_stripe(webhook_secret=WEBHOOK_SECRET, deliver=self._receive)
        self.gateway = built.gateway
        self.emulator = built.emulator
        self.store = ""

    async def open_store(self) -> None:
        """storepay's charges go to a store's onboarded account."""
        account = await self.gateway.create_account(new_account())
        await self.emulator.complete_onboarding(account.account_id)
        self.store = account.account_id

    async def intent(self, card: str | None = None, **more: Any) -> str:
        key = f"intent-{len(self.emulator.sent_events)}"
        intent = await self.gateway.create_payment_intent(
            intent_request(self.store, amount=str(AMOUNT.to_decimal()), fee="0.00", key=key, **more)
        )
        if card is not None:
            await self.emulator.confirm(intent.id, intent.client_secret, card)
        return intent.id

    async def refund(self, payment_intent_id: str, amount: Money, refund_id: str) -> str:
        refund = await self.gateway.create_refund(
            refund_request(payment_intent_id, str(amount.to_decimal()), "0.00", refund_id=refund_id)
        )
        return refund.gateway_refund_id

    async def saved_card(self, customer_id: str) -> str:
        intent_id = await self.intent(SUCCEEDS, customer_id=customer_id, save_payment_method=True)
        return str(self.emulator.retrieve_object(intent_id)["payment_method"])

    async def holder(self, payment_method_id: str) -> str | None:
        customer = self.emulator.retrieve_object(payment_method_id)["customer"]
        return None if customer is None else str(customer)

    async def delivery(self, event_type: str, object_id: str) -> Delivery:
        for delivery in self.deliveries:
            event = json.loads(delivery.payload)
            if event["type"] == event_type and event["data"]["object"]["id"] == object_id:
                return delivery
        raise AssertionError(f"the emulator sent no {event_type} about {object_id}")

    async def _receive(self, payload: bytes, signature_header: str, connect: bool) -> None:
        self.deliveries.append(Delivery(payload, signature_header))


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, WebhookEndpoint]]:
    log = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    with local_stripe(log) as url, webhook_endpoint() as endpoint:
        register_webhook(url, "storepay", endpoint.url, WEBHOOK_SECRET)
        yield url, endpoint


@pytest.fixture(params=["emulator", "localstripe"])
async def side(request: pytest.FixtureRequest, anyio_backend: str) -> AsyncIterator[Side]:
    if request.param == "emulator":
        emulated = OnTheEmulator()
        await emulated.open_store()
        yield emulated
        await emulated.emulator.aclose()
        return
    url, endpoint = request.getfixturevalue("localstripe")
    # Built by the composition root as STOREPAY_GATEWAY=stripe builds it, sent to localstripe.
    settings = load_settings(
        {
            "STOREPAY_GATEWAY": "stripe",
            "STRIPE_SECRET_KEY": SECRET_KEY,
            "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": url,
        }
    )
    gateway = stripe_gateway(settings)
    assert isinstance(gateway, StripeGateway)
    http = stripe.HTTPXClient()
    client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": url}, http_client=http)
    yield AtLocalStripe(gateway, client, endpoint)
    await http.close_async()
    await gateway.aclose()


# -- customers and their cards -----------------------------------------------------------------


async def test_a_shopper_has_one_customer_per_store(side: Side) -> None:
    first = await side.gateway.ensure_customer(email=EMAIL, store_id="store_1")
    again = await side.gateway.ensure_customer(email=f" {EMAIL} ", store_id="store_1")
    other_store = await side.gateway.ensure_customer(email=EMAIL, store_id="store_2")

    assert first.startswith("cus_")
    assert again == first
    assert other_store not in (first, again)


async def test_a_saved_card_is_detached_from_its_customer(side: Side) -> None:
    customer_id = await side.gateway.ensure_customer(email=EMAIL, store_id="store_3")
    card = await side.saved_card(customer_id)
    assert await side.holder(card) == customer_id

    await side.gateway.detach_payment_method(card)

    assert await side.holder(card) is None


async def test_a_customers_saved_cards_are_listed(side: Side) -> None:
    if isinstance(side, AtLocalStripe):
        pytest.skip("localstripe lists payment methods at /v1/payment_methods?customer= only")
    customer_id = await side.gateway.ensure_customer(email=EMAIL, store_id="store_4")
    card = await side.saved_card(customer_id)

    [listed] = await side.gateway.list_payment_methods(customer_id)

    assert listed.payment_method_id == card
    assert (listed.card_brand, listed.card_last4) == ("visa", "4242")


# -- payment intents ---------------------------------------------------------------------------


async def test_a_new_intent_waits_for_its_payment(side: Side) -> None:
    intent = await side.gateway.retrieve_payment_intent(await side.intent())

    assert intent.id.startswith("pi_")
    assert intent.client_secret.startswith(f"{intent.id}_secret_")
    assert intent.amount == AMOUNT
    assert intent.observation.state is IntentState.PENDING
    assert intent.observation.charge_id is None


async def test_a_good_card_pays(side: Side) -> None:
    intent = await side.gateway.retrieve_payment_intent(await side.intent(SUCCEEDS))

    assert intent.observation.state is IntentState.SUCCEEDED
    assert (intent.observation.charge_id or "").startswith("ch_")
    assert intent.observation.failure_reason is None


async def test_a_declined_card_fails_the_attempt_with_its_code(side: Side) -> None:
    intent = await side.gateway.retrieve_payment_intent(await side.intent(DECLINED_WHEN_CHARGED))

    assert intent.observation.state is IntentState.FAILED
    assert intent.observation.failure_reason == "card_declined"


async def test_a_card_asking_for_3d_secure_waits_for_the_shopper(side: Side) -> None:
    intent = await side.gateway.retrieve_payment_intent(await side.intent(REQUIRES_AUTHENTICATION))

    assert intent.observation.state is IntentState.REQUIRES_ACTION


async def test_an_open_intent_is_canceled(side: Side) -> None:
    intent_id = await side.intent()

    canceled = await side.gateway.cancel_payment_intent(intent_id)

    assert canceled.observation.state is IntentState.CANCELED
    seen = await side.gateway.retrieve_payment_intent(intent_id)
    assert seen.observation.state is IntentState.CANCELED


async def test_a_refund_reads_back_with_storepays_refund_id(side: Side) -> None:
    intent_id = await side.intent(SUCCEEDS)

    refund = await side.gateway.retrieve_refund(
        await side.refund(intent_id, Money.of(1000, "EUR"), "refund_7")
    )

    assert refund.gateway_refund_id.startswith("re_")
    assert refund.amount == Money.of(1000, "EUR")
    assert refund.status is RefundStatus.SUCCEEDED
    assert refund.refund_id == "refund_7"


async def test_what_does_not_exist_is_refused_not_unavailable(side: Side) -> None:
    for missing in (
        side.gateway.retrieve_payment_intent("pi_doesnotexist"),
        side.gateway.retrieve_refund("re_doesnotexist"),
        side.gateway.detach_payment_method("pm_doesnotexist"),
    ):
        with pytest.raises(GatewayError) as refused:
            await missing
        assert not isinstance(refused.value, GatewayUnavailable)


# -- webhook events ----------------------------------------------------------------------------


async def test_a_signed_payment_event_verifies_and_reads_as_the_payment(side: Side) -> None:
    intent_id = await side.intent(SUCCEEDS)

    delivery = await side.delivery("payment_intent.succeeded", intent_id)

    event = side.gateway.parse_event(delivery.payload, delivery.signature_header, connect=False)
    assert isinstance(event, PaymentIntentEvent)
    assert event.payment_intent_id == intent_id
    assert event.observation.state is IntentState.SUCCEEDED
    assert (event.observation.charge_id or "").startswith("ch_")


# -- Connect -----------------------------------------------------------------------------------


async def test_a_store_takes_a_destination_charge_and_refunds_part_of_it(side: Side) -> None:
    if not isinstance(side, OnTheEmulator):
        pytest.skip(NO_CONNECT)
    account = await side.gateway.retrieve_account(side.store)
    intent = await side.gateway.create_payment_intent(
        intent_request(side.store, amount="50.00", fee="1.25")
    )
    await side.emulator.confirm(intent.id, intent.client_secret, SUCCEEDS)

    refund = await side.gateway.create_refund(refund_request(intent.id, "10.00", "0.25"))

    assert account.snapshot.charges_enabled is True
    assert refund.status is RefundStatus.SUCCEEDED
    kept = side.emulator.refund_record(refund.gateway_refund_id)
    assert (kept.application_fee_refund, kept.reverse_transfer) == (Money.of(25, "EUR"), True)
