"""The payment gateway on Stripe: Connect Express accounts and destination charges, through
stripe-python's ``StripeClient`` (async calls, network retries, idempotency keys on every POST)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

import stripe
from stripe import RequestOptions, StripeObject
from stripe.params import CustomerCreateParams, CustomerListParams

from adapters.stripe import idempotency, params
from adapters.stripe.api_keys import KeyMode, publishable_key_mode, secret_key_mode
from adapters.stripe.errors import gateway_error, redacted
from adapters.stripe.events import envelope, ignored_event, type_event
from adapters.stripe.objects import (
    STORE_ID_METADATA_KEY,
    Fields,
    Malformed,
    account_snapshot,
    intent_observation,
    metadata,
    refund_observation,
    saved_card,
)
from adapters.stripe.webhooks import of_mode, verify_signature
from application.gateway import (
    GatewayAccount,
    GatewayError,
    GatewayEvent,
    GatewayIntent,
    IntentRequest,
    NewAccount,
    OnboardingLink,
    RefundRequest,
    SavedCard,
)
from domain.payout import PayoutSchedule
from domain.refund import RefundObservation

MAX_NETWORK_RETRIES = 2
TIMEOUT_SECONDS = 30.0
PAGE_SIZE = 100

P = ParamSpec("P")
R = TypeVar("R")


def _translated(
    method: Callable[Concatenate[StripeGateway, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[StripeGateway, P], Coroutine[Any, Any, R]]:
    """Stripe's errors, and answers storepay cannot read, become the port's errors."""

    @functools.wraps(method)
    async def call(gateway: StripeGateway, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(gateway, *args, **kwargs)
        except stripe.StripeError as error:
            raise gateway_error(error, gateway._secret_key) from None
        except Malformed as error:
            raise GatewayError(
                redacted(f"Stripe answered what storepay cannot read: {error}", gateway._secret_key)
            ) from None

    return call


class StripeGateway:
    """``PaymentGateway`` on a Stripe account (test or live, as its secret key says)."""

    def __init__(
        self,
        *,
        secret_key: str,
        publishable_key: str | None,
        webhook_secret: str,
        connect_webhook_secret: str | None = None,
        api_base: str | None = None,
        http_client: stripe.HTTPClient | None = None,
        clock: Callable[[], datetime] | None = None,
        max_network_retries: int = MAX_NETWORK_RETRIES,
        timeout_seconds: float = TIMEOUT_SECONDS,
        name: str = "stripe",
    ) -> None:
        """``publishable_key`` is what a checkout page confirms payments with; ``None`` when
        the page confirms them otherwise (the emulator's test-card form, under the ``name``
        "simulated")."""
        self._mode = secret_key_mode(secret_key)
        if publishable_key is not None and publishable_key_mode(publishable_key) is not self._mode:
            raise ValueError(
                f"STRIPE_PUBLISHABLE_KEY must be a {self._mode}-mode key, like STRIPE_SECRET_KEY"
            )
        if not webhook_secret:
            raise ValueError("STRIPE_WEBHOOK_SECRET must not be empty")
        self._secret_key = secret_key
        self._publishable_key = publishable_key
        self._name = name
        self._secrets = {False: webhook_secret, True: connect_webhook_secret or webhook_secret}
        self._clock = clock or (lambda: datetime.now(UTC))
        base = api_base.rstrip("/") if api_base else None
        self._http_client = http_client or stripe.HTTPXClient(timeout=timeout_seconds)
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={} if base is None else {"api": base, "connect": base, "files": base},
            max_network_retries=max_network_retries,
            http_client=self._http_client,
        )

    async def aclose(self) -> None:
        """Close the connections to Stripe (at shutdown)."""
        await self._http_client.close_async()  # type: ignore[no-untyped-call]  # untyped in stripe

    def __repr__(self) -> str:
        named = "" if self._name == "stripe" else f"name={self._name}, "
        return f"StripeGateway({named}mode={self._mode.value})"

    @property
    def name(self) -> str:
        return self._name

    @property
    def publishable_key(self) -> str | None:
        return self._publishable_key

    @property
    def mode(self) -> KeyMode:
        return self._mode

    # -- connected accounts -----------------------------------------------------------------

    @_translated
    async def create_account(self, request: NewAccount) -> GatewayAccount:
        account = await self._client.v1.accounts.create_async(
            params.new_account(request), _key(request.idempotency_key)
        )
        return self._account(account)

    @_translated
    async def retrieve_account(self, account_id: str) -> GatewayAccount:
        return self._account(await self._client.v1.accounts.retrieve_async(account_id))

    @_translated
    async def create_onboarding_link(
        self, account_id: str, *, refresh_url: str, return_url: str
    ) -> OnboardingLink:
        link = _read(
            await self._client.v1.account_links.create_async(
                params.onboarding_link(account_id, refresh_url, return_url),
                _key(idempotency.onboarding_link(account_id)),
            ),
            "account_link",
        )
        return OnboardingLink(url=link.text("url"), expires_at=link.timestamp("expires_at"))

    @_translated
    async def set_payout_schedule(self, account_id: str, schedule: PayoutSchedule) -> None:
        await self._client.v1.accounts.update_async(
            account_id,
            params.payout_schedule(schedule),
            _key(idempotency.payout_schedule(account_id)),
        )

    # -- payments ---------------------------------------------------------------------------

    @_translated
    async def create_payment_intent(self, request: IntentRequest) -> GatewayIntent:
        intent = await self._client.v1.payment_intents.create_async(
            params.destination_charge(request), _key(request.idempotency_key)
        )
        return self._intent(intent)

    @_translated
    async def retrieve_payment_intent(self, payment_intent_id: str) -> GatewayIntent:
        intent = await self._client.v1.payment_intents.retrieve_async(
            payment_intent_id, {"expand": ["latest_charge"]}
        )
        return self._intent(intent)

    @_translated
    async def cancel_payment_intent(self, payment_intent_id: str) -> GatewayIntent:
        intent = await self._client.v1.payment_intents.cancel_async(
            payment_intent_id, options=_key(idempotency.cancel_intent(payment_intent_id))
        )
        return self._intent(intent)

    @_translated
    async def create_refund(self, request: RefundRequest) -> RefundObservation:
        refund = await self._client.v1.refunds.create_async(
            params.refund(request), _key(request.idempotency_key)
        )
        return refund_observation(_read(refund, "refund"), self._observed_at())

    @_translated
    async def retrieve_refund(self, gateway_refund_id: str) -> RefundObservation:
        refund = await self._client.v1.refunds.retrieve_async(gateway_refund_id)
        return refund_observation(_read(refund, "refund"), self._observed_at())

    # -- shoppers and their saved cards -----------------------------------------------------

    @_translated
    async def ensure_customer(self, *, email: str, store_id: str) -> str:
        """The store's customer for ``email``: found by email and the store id in its metadata
        (listing, unlike search, sees a customer as soon as it exists), else created with a key
        derived from both, so that concurrent first checkouts make one customer."""
        email = email.strip()
        found: CustomerListParams = {"email": email, "limit": PAGE_SIZE}
        page = await self._client.v1.customers.list_async(found)
        async for customer in page.auto_paging_iter():
            fields = _read(customer, "customer")
            if metadata(fields).get(STORE_ID_METADATA_KEY) == store_id:
                return fields.text("id")
        new: CustomerCreateParams = {"email": email, "metadata": {STORE_ID_METADATA_KEY: store_id}}
        created = await self._client.v1.customers.create_async(
            new, _key(idempotency.new_customer(store_id, email))
        )
        return _read(created, "customer").text("id")

    @_translated
    async def list_payment_methods(self, customer_id: str) -> list[SavedCard]:
        """The customer's cards, newest first (as Stripe lists them)."""
        page = await self._client.v1.customers.payment_methods.list_async(
            customer_id, {"type": "card", "limit": PAGE_SIZE}
        )
        return [
            saved_card(_read(method, "payment_method"), customer_id)
            async for method in page.auto_paging_iter()
        ]

    @_translated
    async def detach_payment_method(self, payment_method_id: str) -> None:
        await self._client.v1.payment_methods.detach_async(
            payment_method_id, options=_key(idempotency.detach_payment_method(payment_method_id))
        )

    # -- webhooks ---------------------------------------------------------------------------

    def parse_event(self, payload: bytes, signature_header: str, *, connect: bool) -> GatewayEvent:
        """Verify a body on the endpoint it came to (each has its own secret), then type it."""
        verify_signature(payload, signature_header, self._secrets[connect], self._now())
        event = envelope(payload)
        if not of_mode(event, self._mode):
            return ignored_event(event)
        return type_event(event)

    def type_event(self, payload: bytes, *, connect: bool) -> GatewayEvent:
        return type_event(envelope(payload))

    # -- inside -----------------------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the Stripe gateway's clock must give timezone-aware times")
        return now

    def _observed_at(self) -> datetime:
        """When an answer was seen, to the second: Stripe stamps its events to the second, so an
        event made in the same second as an answer ties with it and the later stage wins (a
        decline in the second its intent was made is not taken for an older report)."""
        return self._now().replace(microsecond=0)

    def _account(self, answer: StripeObject) -> GatewayAccount:
        account = _read(answer, "account")
        return GatewayAccount(account.text("id"), account_snapshot(account, self._observed_at()))

    def _intent(self, answer: StripeObject) -> GatewayIntent:
        intent = _read(answer, "payment_intent")
        return GatewayIntent(
            id=intent.text("id"),
            client_secret=intent.text("client_secret"),
            amount=intent.money(),
            observation=intent_observation(intent, self._observed_at()),
            metadata=metadata(intent),
            customer_id=intent.reference("customer"),
        )


def _key(idempotency_key: str) -> RequestOptions:
    return {"idempotency_key": idempotency.checked(idempotency_key)}


def _read(answer: object, expected: str) -> Fields:
    if not isinstance(answer, StripeObject):
        raise Malformed(f"expected a {expected}, not {type(answer).__name__}")
    fields = Fields(answer.to_dict(), expected)
    if fields.get("object") != expected:
        raise Malformed(f"expected a {expected}, not {fields.get('object')!r}")
    return fields
