"""Stripe's test mode as API routes: what a shopper, a store or a bank does, asked of the emulator
through its API (in process or over HTTP) under ``/v1/test_helpers/``, where Stripe keeps its own
test-mode routes.

Stripe has no route for most of these (a shopper passes 3-D Secure on the bank's page, a store
onboards on Stripe's hosted pages, a bank opens a dispute): the paths below are the emulator's,
shaped like Stripe's. Each answers the object it changed, as Stripe's API shows it, or Stripe's
error with a ``code`` that says why.
"""

from __future__ import annotations

from collections.abc import Mapping

from adapters.stripe_emulator.emulator import StripeEmulator
from adapters.stripe_emulator.records import JSON, unix
from adapters.stripe_emulator.requests import EmulatorError, Params
from domain.errors import DomainError

# Stripe's values for each (its API reference), so a test cannot ask for what Stripe never does.
DISPUTE_REASONS = (
    "bank_cannot_process",
    "check_returned",
    "credit_not_processed",
    "customer_initiated",
    "debit_not_authorized",
    "duplicate",
    "fraudulent",
    "general",
    "incorrect_account_details",
    "insufficient_funds",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
)
DISABLED_REASONS = (
    "action_required.requested_capabilities",
    "listed",
    "other",
    "platform_paused",
    "rejected.fraud",
    "rejected.incomplete_verification",
    "rejected.listed",
    "rejected.other",
    "rejected.terms_of_service",
    "requirements.past_due",
    "requirements.pending_verification",
    "under_review",
)
PAYOUT_FAILURES = (
    "account_closed",
    "account_frozen",
    "bank_account_restricted",
    "bank_ownership_changed",
    "could_not_process",
    "debit_not_authorized",
    "declined",
    "incorrect_account_holder_name",
    "insufficient_funds",
    "invalid_account_number",
    "invalid_currency",
    "no_account",
)
REFUND_FAILURES = (
    "charge_for_pending_refund_disputed",
    "declined",
    "expired_or_canceled_card",
    "insufficient_funds",
    "lost_or_stolen_card",
    "merchant_request",
    "unknown",
)

Groups = Mapping[str, str]


def _one_of(params: Params, name: str, allowed: tuple[str, ...]) -> str | None:
    value = params.optional_text(name)
    if value is not None and value not in allowed:
        raise EmulatorError(
            f"Invalid {name}: must be one of {', '.join(allowed)}",
            param=name,
            code="parameter_invalid",
        )
    return value


def _required_flag(params: Params, name: str) -> bool:
    if name not in params:
        raise EmulatorError(f"Missing required param: {name}.", param=name)
    return params.flag(name)


async def _client_secret(emulator: StripeEmulator, intent_id: str, params: Params) -> str:
    """The ``client_secret`` given (the shopper's), or the intent's own: the secret key may act
    for the shopper."""
    given = params.optional_text("client_secret")
    if given is not None:
        return given
    intent = await emulator.retrieve_payment_intent(intent_id, Params({}))
    secret: str = intent["client_secret"]
    return secret


async def authenticate(emulator: StripeEmulator, groups: Groups, params: Params) -> JSON:
    """The shopper passes (``success=true``) or fails 3-D Secure on an intent that
    ``requires_action``."""
    intent_id = groups["intent"]
    success = _required_flag(params, "success")
    secret = await _client_secret(emulator, intent_id, params)
    return await emulator.authenticate(intent_id, secret, success)


async def complete_onboarding(emulator: StripeEmulator, groups: Groups, _params: Params) -> JSON:
    """The store finishes Stripe's hosted onboarding: charges and payouts are enabled."""
    return await emulator.complete_onboarding(groups["account"])


async def onboarding_link(emulator: StripeEmulator, groups: Groups, _params: Params) -> JSON:
    """The account's latest onboarding link, with where the hosted page sends the store."""
    await emulator.retrieve_account(groups["account"])
    session = emulator.latest_onboarding_link(groups["account"])
    return {
        "object": "account_link",
        "account": session.account_id,
        "url": session.url,
        "refresh_url": session.refresh_url,
        "return_url": session.return_url,
        "expires_at": unix(session.expires_at),
    }


async def require(emulator: StripeEmulator, groups: Groups, params: Params) -> JSON:
    """Stripe asks the account for ``currently_due``; with a ``disabled_reason`` its charges
    and payouts stop until it is given."""
    disabled_reason = _one_of(params, "disabled_reason", DISABLED_REASONS)
    return await emulator.require(groups["account"], params.texts("currently_due"), disabled_reason)


async def dispute_charge(emulator: StripeEmulator, groups: Groups, params: Params) -> JSON:
    """The shopper's bank disputes a successful charge (``inquiry=true``: asks first, takes no
    money yet), for ``amount`` or all that is not refunded."""
    charge = await emulator.retrieve_charge(groups["charge"], Params({}))
    if charge["status"] != "succeeded":
        raise EmulatorError(
            f"Charge {charge['id']} did not succeed ({charge['status']}): there is nothing to "
            "dispute",
            code="charge_not_disputable",
        )
    dispute_id = await emulator.open_dispute(
        charge["payment_intent"],
        amount=params.optional_integer("amount"),
        reason=_one_of(params, "reason", DISPUTE_REASONS) or "fraudulent",
        inquiry=params.flag("inquiry"),
    )
    return await emulator.retrieve_dispute(dispute_id)


async def close_dispute(emulator: StripeEmulator, groups: Groups, params: Params) -> JSON:
    """The card network decides: ``outcome=won`` or ``lost``."""
    outcome = params.text("outcome")
    if outcome not in ("won", "lost"):
        raise EmulatorError(
            "Invalid outcome: must be won or lost", param="outcome", code="parameter_invalid"
        )
    await emulator.close_dispute(groups["dispute"], won=outcome == "won")
    return await emulator.retrieve_dispute(groups["dispute"])


async def pay_out(emulator: StripeEmulator, groups: Groups, params: Params) -> JSON:
    """The connected account pays ``amount`` (in ``currency``, by default the account's own) out
    to the store's bank; with a ``failure_code`` the bank sends it back."""
    account = await emulator.retrieve_account(groups["account"])
    amount = params.integer("amount")
    currency = params.optional_text("currency") or account["default_currency"]
    failure_code = _one_of(params, "failure_code", PAYOUT_FAILURES)
    try:
        payout_id = await emulator.pay_out(
            account["id"], amount, currency, failure_code=failure_code
        )
    except DomainError as error:
        raise EmulatorError(f"Invalid payout: {error.message}", param=error.field) from None
    return emulator.retrieve_object(payout_id)


async def fail_refund(emulator: StripeEmulator, groups: Groups, params: Params) -> JSON:
    """The shopper's bank returns a refund (``failure_reason``, ``declined`` unless given)."""
    reason = _one_of(params, "failure_reason", REFUND_FAILURES) or "declined"
    await emulator.fail_refund(groups["refund"], reason)
    return await emulator.retrieve_refund(groups["refund"])
