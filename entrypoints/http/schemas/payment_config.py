"""A store sets up its payments: its connected account, onboarding links and payout settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from application.gateway import OnboardingLink
from application.use_cases.set_up_payments import SetUpPaymentsResult
from domain.payout import PayoutInterval
from entrypoints.http.schemas.common import SINGLE_LINE, FeeAmount, timestamp

AddressPart = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=SINGLE_LINE)]


class PaymentSetupBody(msgspec.Struct, forbid_unknown_fields=True):
    address_line1: AddressPart | None = None
    city: AddressPart | None = None
    postal_code: AddressPart | None = None


class PaymentSetupOut(msgspec.Struct):
    stripe_account_id: str
    onboarding_url: str
    expires_at: str
    created: bool
    message: str


class OnboardingLinkOut(msgspec.Struct):
    onboarding_url: str
    expires_at: str


# A plain string on the wire: which schedules exist is a business rule (invalid_payout_settings),
# answered the same way however the request arrives.
PayoutScheduleName = Annotated[
    str,
    msgspec.Meta(
        max_length=20,
        description="One of " + ", ".join(interval.value for interval in PayoutInterval) + ".",
        examples=[PayoutInterval.WEEKLY.value],
    ),
]


class PayoutSettingsBody(msgspec.Struct, forbid_unknown_fields=True):
    payout_schedule: PayoutScheduleName | None = None
    minimum_payout: FeeAmount | None = None


def _at(moment: datetime) -> str:
    return timestamp(moment) or ""


def payment_setup_out(result: SetUpPaymentsResult) -> PaymentSetupOut:
    message = (
        "A payment account was created for the store: finish onboarding at onboarding_url to "
        "accept payments."
        if result.created
        else "The store's payment account already exists: onboarding_url is a fresh link to "
        "review or finish its onboarding."
    )
    return PaymentSetupOut(
        stripe_account_id=result.account_id,
        onboarding_url=result.onboarding.url,
        expires_at=_at(result.onboarding.expires_at),
        created=result.created,
        message=message,
    )


def onboarding_link_out(link: OnboardingLink) -> OnboardingLinkOut:
    return OnboardingLinkOut(onboarding_url=link.url, expires_at=_at(link.expires_at))
