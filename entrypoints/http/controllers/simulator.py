"""What a shopper, a store, a bank or Stripe's hosted pages do in test mode, on the Stripe
emulator the simulated gateway talks to.

Registered only when the service runs the simulated gateway (``404`` otherwise). Events the
emulator emits go through the same webhook handling as Stripe's, before the answer is sent.

Refusals: an unknown payment intent and a ``client_secret`` that is not the intent's are both
``404 not_found`` (the answer never tells whether the intent exists); an intent that cannot be
confirmed or authenticated in its state is ``409 payment_intent_unexpected_state``; an unknown
account is ``404 not_found``.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any, TypeAlias

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, SkipValidation

from adapters.stripe_emulator import EmulatorError, StripeEmulator
from application.errors import NotFound
from domain.errors import IllegalTransition
from entrypoints.http.auth import service_of
from entrypoints.http.html import (
    HTML_EXCEPTION_HANDLERS,
    documented_pages,
    message_page,
    render_page,
    see_other,
)
from entrypoints.http.problems import documented

SIMULATOR_PATH = "/simulator"


class IntentInWrongState(IllegalTransition):
    """The intent's status does not allow the step (Stripe's own code for it)."""

    code = "payment_intent_unexpected_state"


async def stripe_emulator(request: Request[Any, Any, Any]) -> StripeEmulator:
    """The Stripe emulator, when the service runs on it; otherwise there is no simulator."""
    emulator = service_of(request).adapters.stripe_emulator()
    if not isinstance(emulator, StripeEmulator):
        raise NotFound("the simulator runs only with STOREPAY_GATEWAY=simulated")
    return emulator


SimulatorDependency: TypeAlias = NamedDependency[SkipValidation[StripeEmulator]]

ClientSecret = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
CardNumber = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9 ]{12,23}$",
        description="One of Stripe's test cards, e.g. 4242424242424242 (spaces allowed).",
        examples=["4242424242424242"],
    ),
]


PaymentMethodId = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=100,
        description="A card the intent's customer saved earlier, instead of `card_number`.",
        examples=["pm_..."],
    ),
]


class ConfirmBody(msgspec.Struct, forbid_unknown_fields=True):
    client_secret: ClientSecret
    card_number: CardNumber | None = None
    payment_method: PaymentMethodId | None = None
    exp_month: Annotated[int, msgspec.Meta(ge=1, le=12)] = 12
    exp_year: Annotated[int, msgspec.Meta(ge=2000, le=2100)] | None = None

    def __post_init__(self) -> None:
        if (self.card_number is None) == (self.payment_method is None):
            raise ValueError("send either card_number or payment_method")


class AuthenticateBody(msgspec.Struct, forbid_unknown_fields=True):
    client_secret: ClientSecret
    success: bool


class PaymentErrorOut(msgspec.Struct):
    code: str | None
    decline_code: str | None
    message: str | None


class SimulatedIntentOut(msgspec.Struct):
    id: str
    status: str
    amount: int
    currency: str
    last_payment_error: PaymentErrorOut | None
    next_action: str | None


class SimulatedAccountOut(msgspec.Struct):
    id: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool


def _intent_out(document: dict[str, Any]) -> SimulatedIntentOut:
    error = document.get("last_payment_error")
    action = document.get("next_action")
    return SimulatedIntentOut(
        id=document["id"],
        status=document["status"],
        amount=document["amount"],
        currency=str(document["currency"]).upper(),
        last_payment_error=None
        if error is None
        else PaymentErrorOut(
            code=error.get("code"),
            decline_code=error.get("decline_code"),
            message=error.get("message"),
        ),
        next_action=None if action is None else action["use_stripe_sdk"]["type"],
    )


def _account_out(account: dict[str, Any]) -> SimulatedAccountOut:
    return SimulatedAccountOut(
        id=account["id"],
        charges_enabled=account["charges_enabled"],
        payouts_enabled=account["payouts_enabled"],
        details_submitted=account["details_submitted"],
    )


def _checked_intent(simulator: StripeEmulator, payment_intent_id: str, client_secret: str) -> None:
    """The intent exists and ``client_secret`` is its own; otherwise ``404`` either way."""
    try:
        intent = simulator.retrieve_object(payment_intent_id)
    except EmulatorError:
        raise NotFound("no such payment intent for this client secret") from None
    if intent["object"] != "payment_intent" or not hmac.compare_digest(
        intent["client_secret"].encode(), client_secret.encode()
    ):
        raise NotFound("no such payment intent for this client secret")


async def _account(simulator: StripeEmulator, account_id: str) -> dict[str, Any]:
    try:
        return await simulator.retrieve_account(account_id)
    except EmulatorError:
        raise NotFound("no such account") from None


class SimulatorController(Controller):
    path = SIMULATOR_PATH
    tags = ["Simulated gateway"]  # noqa: RUF012
    security = []  # noqa: RUF012  (public: no bearer token)
    dependencies = {"simulator": Provide(stripe_emulator)}  # noqa: RUF012

    @post(
        "/payment_intents/{payment_intent_id:str}/confirm",
        status_code=200,
        summary="Pay with a test card",
        description=(
            "4242424242424242 succeeds; 4000000000000002 is declined (card_declined); "
            "4000000000009995 is declined (insufficient_funds); 4000002500003155 requires 3-D "
            "Secure (status requires_action, then /authenticate); 4000000000000259 succeeds and "
            "is then disputed. A declined card answers 200 with status requires_payment_method "
            "and last_payment_error, as Stripe's intent does. The events follow before the answer. "
            "Instead of `card_number`, `payment_method` pays with a card the intent's customer "
            "saved (404 when there is no such saved card)."
        ),
        responses=documented(404, 409),
    )
    async def confirm(
        self,
        payment_intent_id: FromPath[str],
        data: JSONBody[ConfirmBody],
        simulator: SimulatorDependency,
    ) -> SimulatedIntentOut:
        _checked_intent(simulator, payment_intent_id, data.client_secret)
        try:
            if data.payment_method is not None:
                await simulator.confirm_with_saved_card(
                    payment_intent_id, data.client_secret, data.payment_method
                )
            else:
                await simulator.confirm(
                    payment_intent_id,
                    data.client_secret,
                    data.card_number or "",
                    exp_month=data.exp_month,
                    exp_year=data.exp_year,
                )
        except EmulatorError as error:
            if error.status == 404:
                raise NotFound("no such saved card for this payment's customer") from None
            raise IntentInWrongState(error.message) from None
        return _intent_out(simulator.retrieve_object(payment_intent_id))

    @post(
        "/payment_intents/{payment_intent_id:str}/authenticate",
        status_code=200,
        summary="Finish the 3-D Secure step of an intent that requires_action",
        description="success=true pays; success=false fails the attempt (the shopper may retry).",
        responses=documented(404, 409),
    )
    async def authenticate(
        self,
        payment_intent_id: FromPath[str],
        data: JSONBody[AuthenticateBody],
        simulator: SimulatorDependency,
    ) -> SimulatedIntentOut:
        _checked_intent(simulator, payment_intent_id, data.client_secret)
        try:
            intent = await simulator.authenticate(
                payment_intent_id, data.client_secret, data.success
            )
        except EmulatorError as error:
            raise IntentInWrongState(error.message) from None
        return _intent_out(intent)

    @post(
        "/accounts/{account_id:str}/complete-onboarding",
        status_code=200,
        summary="The store finishes onboarding: its account becomes fully enabled",
        description="account.updated follows (on the Connect endpoint) before the answer.",
        responses=documented(404),
    )
    async def complete_onboarding(
        self, account_id: FromPath[str], simulator: SimulatorDependency
    ) -> SimulatedAccountOut:
        await _account(simulator, account_id)
        return _account_out(await simulator.complete_onboarding(account_id))

    @get(
        "/onboarding/{account_id:str}",
        summary="The stand-in for Stripe's hosted onboarding page",
        media_type="text/html",
        exception_handlers=HTML_EXCEPTION_HANDLERS,
        responses=documented_pages(404),
        cache=False,
    )
    async def onboarding_page(
        self, account_id: FromPath[str], simulator: SimulatorDependency
    ) -> Response[str]:
        account = await _account(simulator, account_id)
        name = account["business_profile"]["name"]
        done = account["charges_enabled"] and account["payouts_enabled"]
        state = "complete" if done else "not finished"
        try:
            return_url: str | None = simulator.latest_onboarding_link(account_id).return_url
        except EmulatorError:
            return_url = None
        return render_page(
            "simulator_onboarding.html",
            title="Set up payments",
            store_name=name,
            account_id=account_id,
            state=state,
            action=f"{SIMULATOR_PATH}/onboarding/{account_id}",
            return_url=return_url,
            test_mode=True,
        )

    @post(
        "/onboarding/{account_id:str}",
        status_code=303,
        summary="The hosted onboarding page's button: complete, then go back to the store",
        exception_handlers=HTML_EXCEPTION_HANDLERS,
        include_in_schema=False,
    )
    async def onboarding_done(
        self, account_id: FromPath[str], simulator: SimulatorDependency
    ) -> Response[Any]:
        await _account(simulator, account_id)
        await simulator.complete_onboarding(account_id)
        try:
            return see_other(simulator.latest_onboarding_link(account_id).return_url)
        except EmulatorError:
            return message_page(
                "Onboarding complete",
                "The account can now take payments. You can close this page.",
                status_code=200,
                tone="success",
            )
