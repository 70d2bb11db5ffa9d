"""What a shopper, a store, a bank or Stripe's hosted pages do in test mode, on the Stripe
emulator the simulated gateway talks to, asked through the emulator's test-mode API
(``EmulatorControls``): in process with one worker, over HTTP when ``serve`` runs the emulator in
a process of its own for several, so that every worker drives the one emulator.

Registered only when the service runs the simulated gateway (``404`` otherwise). Events the
emulator emits go through the same webhook handling as Stripe's, before the answer is sent
(unless ``STOREPAY_SIMULATED_DELIVERY=hostile`` holds them back).

Refusals: an unknown payment intent and a ``client_secret`` that is not the intent's are both
``404 not_found`` (the answer never tells whether the intent exists); an intent that cannot be
confirmed or authenticated in its state is ``409 payment_intent_unexpected_state``; an unknown
account, charge or dispute is ``404 not_found``; a charge that did not succeed or is already
disputed is ``409 charge_not_disputable``; a dispute closed already ``409 dispute_closed``, an
inquiry closed as lost ``409 dispute_is_inquiry``; a dispute of more than the charge has left
``422 amount_too_large``.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeAlias

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import Operation, RequestBody
from litestar.params import FromPath, JSONBody, SkipValidation

from adapters.stripe_emulator import EmulatorControls, EmulatorError
from adapters.stripe_emulator.world import DISABLED_REASONS, DISPUTE_REASONS
from application.errors import NotFound
from domain.errors import AmountTooLarge, DomainError, IllegalTransition
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


class ChargeNotDisputable(IllegalTransition):
    """The charge did not succeed, or its bank disputes it already."""

    code = "charge_not_disputable"


class DisputeClosed(IllegalTransition):
    code = "dispute_closed"


class DisputeIsInquiry(IllegalTransition):
    """An inquiry (``warning_*``) closes without a loss: it can only be won."""

    code = "dispute_is_inquiry"


class DisputeTooLarge(AmountTooLarge):
    field = "amount"


class SimulatorRefusal(DomainError):
    """The emulator refused a step for a reason none of the above names."""

    code = "simulator_refused"


_CONFLICTS: dict[str, type[DomainError]] = {
    "payment_intent_unexpected_state": IntentInWrongState,
    "charge_not_disputable": ChargeNotDisputable,
    "dispute_closed": DisputeClosed,
    "dispute_is_inquiry": DisputeIsInquiry,
    "amount_too_large": DisputeTooLarge,
}


def _refusal(error: EmulatorError, missing: str) -> DomainError:
    """The problem an emulator's refusal is: what it lacks (or no longer shows the platform, a
    disconnected account) is not found; a state or amount it names, its own code."""
    if error.status in (403, 404):
        return NotFound(missing)
    return _CONFLICTS.get(error.code or "", SimulatorRefusal)(error.message)


async def emulator_controls(request: Request[Any, Any, Any]) -> EmulatorControls:
    """The Stripe emulator's test mode, when the service runs on it; otherwise there is no
    simulator."""
    controls = service_of(request).adapters.emulator_controls()
    if not isinstance(controls, EmulatorControls):
        raise NotFound("the simulator runs only with STOREPAY_GATEWAY=simulated")
    return controls


SimulatorDependency: TypeAlias = NamedDependency[SkipValidation[EmulatorControls]]


@dataclass
class OptionalBodyOperation(Operation):
    """A POST whose JSON body may be left out."""

    def __post_init__(self) -> None:
        if isinstance(self.request_body, RequestBody):
            self.request_body.required = False


def _one_of(values: tuple[str, ...], description: str) -> msgspec.Meta:
    return msgspec.Meta(
        pattern=f"^({'|'.join(map(re.escape, values))})$",
        description=f"{description}: {', '.join(values)}.",
        examples=[values[0]],
    )


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
        description=(
            "A card the intent's customer saved earlier, or one of Stripe's test payment methods "
            "(pm_card_visa...), instead of `card_number`."
        ),
        examples=["pm_card_visa"],
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


class RequirementsOut(msgspec.Struct):
    currently_due: list[str]
    past_due: list[str]
    disabled_reason: str | None


class SimulatedAccountOut(msgspec.Struct):
    id: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool


class AccountRequirementsOut(SimulatedAccountOut):
    """The account, with what Stripe asks of it."""

    requirements: RequirementsOut


Amount = Annotated[int, msgspec.Meta(gt=0, le=99_999_999, description="In minor units.")]
DisputeReason = Annotated[str, _one_of(DISPUTE_REASONS, "One of Stripe's dispute reasons")]
DisabledReason = Annotated[
    str, _one_of(DISABLED_REASONS, "One of Stripe's reasons an account is disabled")
]
Requirement = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$",
        max_length=100,
        examples=["individual.verification.document"],
    ),
]


class DisputeBody(msgspec.Struct, forbid_unknown_fields=True):
    amount: Amount | None = None
    reason: DisputeReason | None = None
    inquiry: bool = False


class CloseDisputeBody(msgspec.Struct, forbid_unknown_fields=True):
    outcome: Literal["won", "lost"]


class PayoutBody(msgspec.Struct, forbid_unknown_fields=True):
    amount: Amount
    fail: bool = False


class RequirementsBody(msgspec.Struct, forbid_unknown_fields=True):
    currently_due: Annotated[list[Requirement], msgspec.Meta(max_length=50)]
    disabled_reason: DisabledReason | None = None


class SimulatedDisputeOut(msgspec.Struct):
    id: str
    charge_id: str
    payment_intent_id: str
    amount: int
    currency: str
    status: str
    reason: str
    is_inquiry: bool


class SimulatedPayoutOut(msgspec.Struct):
    id: str
    account_id: str
    amount: int
    currency: str
    status: str
    arrival_date: datetime
    failure_code: str | None
    failure_message: str | None


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


def _requirements_out(account: dict[str, Any]) -> AccountRequirementsOut:
    requirements = account["requirements"]
    return AccountRequirementsOut(
        **msgspec.structs.asdict(_account_out(account)),
        requirements=RequirementsOut(
            currently_due=requirements["currently_due"],
            past_due=requirements["past_due"],
            disabled_reason=requirements["disabled_reason"],
        ),
    )


def _dispute_out(dispute: dict[str, Any]) -> SimulatedDisputeOut:
    return SimulatedDisputeOut(
        id=dispute["id"],
        charge_id=dispute["charge"],
        payment_intent_id=dispute["payment_intent"],
        amount=dispute["amount"],
        currency=str(dispute["currency"]).upper(),
        status=dispute["status"],
        reason=dispute["reason"],
        is_inquiry=str(dispute["status"]).startswith("warning_"),
    )


def _payout_out(account_id: str, payout: dict[str, Any]) -> SimulatedPayoutOut:
    return SimulatedPayoutOut(
        id=payout["id"],
        account_id=account_id,
        amount=payout["amount"],
        currency=str(payout["currency"]).upper(),
        status=payout["status"],
        arrival_date=datetime.fromtimestamp(payout["arrival_date"], UTC),
        failure_code=payout["failure_code"],
        failure_message=payout["failure_message"],
    )


async def _checked_intent(
    simulator: EmulatorControls, payment_intent_id: str, client_secret: str
) -> None:
    """The intent exists and ``client_secret`` is its own; otherwise ``404`` either way."""
    try:
        intent = await simulator.payment_intent(payment_intent_id)
    except EmulatorError:
        raise NotFound("no such payment intent for this client secret") from None
    if not hmac.compare_digest(intent["client_secret"].encode(), client_secret.encode()):
        raise NotFound("no such payment intent for this client secret")


async def _account(simulator: EmulatorControls, account_id: str) -> dict[str, Any]:
    try:
        return await simulator.account(account_id)
    except EmulatorError:
        raise NotFound("no such account") from None


async def _return_url(simulator: EmulatorControls, account_id: str) -> str | None:
    """Where the latest onboarding link sends the store back, if it was given one."""
    try:
        link = await simulator.onboarding_link(account_id)
    except EmulatorError:
        return None
    url: str = link["return_url"]
    return url


class SimulatorController(Controller):
    path = SIMULATOR_PATH
    tags = ["Simulated gateway"]  # noqa: RUF012
    security = []  # noqa: RUF012  (public: no bearer token)
    dependencies = {"simulator": Provide(emulator_controls)}  # noqa: RUF012

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
            "saved (404 when there is no such saved card), or with one of Stripe's test payment "
            "methods (pm_card_visa, pm_card_chargeDeclined, pm_card_createDispute...)."
        ),
        responses=documented(404, 409),
    )
    async def confirm(
        self,
        payment_intent_id: FromPath[str],
        data: JSONBody[ConfirmBody],
        simulator: SimulatorDependency,
    ) -> SimulatedIntentOut:
        await _checked_intent(simulator, payment_intent_id, data.client_secret)
        try:
            intent = await simulator.confirm(
                payment_intent_id,
                data.client_secret,
                card_number=data.card_number,
                exp_month=data.exp_month,
                exp_year=data.exp_year,
                payment_method=data.payment_method,
            )
        except EmulatorError as error:
            if error.status == 404:
                raise NotFound("no such saved card for this payment's customer") from None
            raise IntentInWrongState(error.message) from None
        return _intent_out(intent)

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
        await _checked_intent(simulator, payment_intent_id, data.client_secret)
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
        return_url = await _return_url(simulator, account_id)
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
        return_url = await _return_url(simulator, account_id)
        if return_url is not None:
            return see_other(return_url)
        return message_page(
            "Onboarding complete",
            "The account can now take payments. You can close this page.",
            status_code=200,
            tone="success",
        )

    @post(
        "/accounts/{account_id:str}/requirements",
        status_code=200,
        summary="Stripe asks the account for more information",
        description=(
            "The account's `currently_due` becomes this list; with a `disabled_reason` it is "
            "restricted (charges and payouts stop) until onboarding is completed again. "
            "account.updated follows (on the Connect endpoint)."
        ),
        responses=documented(404),
    )
    async def require(
        self,
        account_id: FromPath[str],
        data: JSONBody[RequirementsBody],
        simulator: SimulatorDependency,
    ) -> AccountRequirementsOut:
        try:
            account = await simulator.require(account_id, data.currently_due, data.disabled_reason)
        except EmulatorError as error:
            raise _refusal(error, "no such account") from None
        return _requirements_out(account)

    @post(
        "/accounts/{account_id:str}/payouts",
        status_code=201,
        summary="The store's account pays out to its bank",
        description=(
            "A payout of `amount` (minor units of the account's currency) that is paid, or "
            "with `fail` true fails (`could_not_process`). payout.created, then payout.paid or "
            "payout.failed follow (on the Connect endpoint)."
        ),
        responses=documented(404),
    )
    async def pay_out(
        self, account_id: FromPath[str], data: JSONBody[PayoutBody], simulator: SimulatorDependency
    ) -> SimulatedPayoutOut:
        failure = "could_not_process" if data.fail else None
        try:
            payout = await simulator.pay_out(account_id, data.amount, failure_code=failure)
        except EmulatorError as error:
            raise _refusal(error, "no such account") from None
        return _payout_out(account_id, payout)

    @post(
        "/charges/{charge_id:str}/dispute",
        status_code=201,
        summary="The shopper's bank disputes a successful charge",
        description=(
            "For `amount` (default: all that is not refunded), with Stripe's `reason` "
            "(default fraudulent). An `inquiry` asks first and takes no money (status "
            "warning_needs_response); a chargeback takes the money (needs_response). "
            "charge.dispute.created follows (and charge.dispute.funds_withdrawn for a "
            "chargeback). The charge id is the payment's `stripe_charge_id`."
        ),
        responses=documented(404, 409, 422),
        operation_class=OptionalBodyOperation,
    )
    async def dispute(
        self,
        charge_id: FromPath[str],
        simulator: SimulatorDependency,
        data: JSONBody[DisputeBody | None] = None,
    ) -> SimulatedDisputeOut:
        body = data or DisputeBody()
        try:
            dispute = await simulator.dispute_charge(
                charge_id, amount=body.amount, reason=body.reason, inquiry=body.inquiry
            )
        except EmulatorError as error:
            raise _refusal(error, "no such charge") from None
        return _dispute_out(dispute)

    @post(
        "/disputes/{dispute_id:str}/close",
        status_code=200,
        summary="The card network decides a dispute",
        description=(
            "`won`: a chargeback's money comes back (charge.dispute.closed, then "
            "charge.dispute.funds_reinstated), an inquiry closes (warning_closed). `lost`: the "
            "money stays gone; an inquiry cannot be lost (409 dispute_is_inquiry)."
        ),
        responses=documented(404, 409),
    )
    async def close_dispute(
        self,
        dispute_id: FromPath[str],
        data: JSONBody[CloseDisputeBody],
        simulator: SimulatorDependency,
    ) -> SimulatedDisputeOut:
        try:
            dispute = await simulator.close_dispute(dispute_id, won=data.outcome == "won")
        except EmulatorError as error:
            raise _refusal(error, "no such dispute") from None
        return _dispute_out(dispute)
