"""The port's requests as Stripe's request parameters (typed: mypy catches a misspelt one)."""

from __future__ import annotations

from stripe.params import (
    AccountCreateParams,
    AccountLinkCreateParams,
    AccountUpdateParams,
    AccountUpdateParamsSettingsPayoutsSchedule,
    PaymentIntentCreateParams,
    RefundCreateParams,
)

from adapters.stripe.objects import STORE_ID_METADATA_KEY
from application.gateway import GatewayError, IntentRequest, NewAccount, RefundRequest
from domain.money import Money
from domain.payout import PayoutSchedule


def new_account(request: NewAccount) -> AccountCreateParams:
    """An Express account, stated with controller properties rather than the legacy
    ``type="express"``: the Express Dashboard for the store, Stripe collecting what onboarding
    requires, and the platform paying Stripe's fees and bearing losses, as it does for the
    destination charges it makes."""
    return {
        "controller": {
            "stripe_dashboard": {"type": "express"},
            "requirement_collection": "stripe",
            "fees": {"payer": "application"},
            "losses": {"payments": "application"},
        },
        "country": request.country.upper(),
        "email": request.email,
        "business_profile": {"name": request.business_name},
        "capabilities": {
            "card_payments": {"requested": True},
            "transfers": {"requested": True},
        },
        "metadata": {STORE_ID_METADATA_KEY: request.store_id},
    }


def onboarding_link(account_id: str, refresh_url: str, return_url: str) -> AccountLinkCreateParams:
    return {
        "account": account_id,
        "refresh_url": refresh_url,
        "return_url": return_url,
        "type": "account_onboarding",
    }


def payout_schedule(schedule: PayoutSchedule) -> AccountUpdateParams:
    stated: AccountUpdateParamsSettingsPayoutsSchedule = {"interval": schedule.interval.value}
    if schedule.weekly_anchor is not None:
        stated["weekly_anchor"] = schedule.weekly_anchor.value
    if schedule.monthly_anchor is not None:
        stated["monthly_anchor"] = schedule.monthly_anchor
    return {"settings": {"payouts": {"schedule": stated}}}


def destination_charge(request: IntentRequest) -> PaymentIntentCreateParams:
    """The shopper pays the platform; ``application_fee_amount`` stays with it and the rest is
    transferred to the store's account."""
    amount, fee = request.amount, request.application_fee
    if fee.currency != amount.currency:
        raise GatewayError(
            f"the application fee ({fee.currency.code}) is not in the payment's currency "
            f"({amount.currency.code})"
        )
    params: PaymentIntentCreateParams = {
        "amount": amount.minor_units,
        "currency": currency(amount),
        "application_fee_amount": fee.minor_units,
        "transfer_data": {"destination": request.destination_account},
        "automatic_payment_methods": {"enabled": True},
        "receipt_email": request.receipt_email,
        "metadata": dict(request.metadata),
    }
    order = request.metadata.get("storepay_order_reference") or request.metadata.get(
        "storepay_order_id"
    )
    if order:
        params["description"] = f"Order {order}"
    if request.customer_id is not None:
        params["customer"] = request.customer_id
    if request.save_payment_method:
        params["setup_future_usage"] = "off_session"
    return params


def refund(request: RefundRequest) -> RefundCreateParams:
    """A refund of a destination charge: the store's transfer is reversed and the platform's fee
    refunded, both in proportion to the amount (Stripe computes the shares)."""
    params: RefundCreateParams = {
        "payment_intent": request.payment_intent_id,
        "amount": request.amount.minor_units,
        "refund_application_fee": True,
        "reverse_transfer": True,
        "metadata": dict(request.metadata),
    }
    if request.reason is not None:
        params["reason"] = request.reason.value
    return params


def currency(amount: Money) -> str:
    """Stripe names currencies in lower case."""
    return amount.currency.code.lower()
