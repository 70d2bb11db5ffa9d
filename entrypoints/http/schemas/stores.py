"""Stores, their payment configuration and fee policies on the wire."""

from __future__ import annotations

from typing import Annotated

import msgspec

from domain.account import store_account_status
from domain.fees import FeePolicy
from domain.store import Store
from entrypoints.http.schemas.common import (
    SINGLE_LINE,
    CurrencyCode,
    Email,
    FeeAmount,
    timestamp,
)

Country = Annotated[
    str,
    msgspec.Meta(pattern="^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2", examples=["LU"]),
]


class NewStoreBody(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[
        str,
        msgspec.Meta(min_length=1, max_length=200, pattern=SINGLE_LINE, examples=["Atelier Ana"]),
    ]
    business_email: Email
    business_phone: Annotated[str, msgspec.Meta(max_length=32, pattern=SINGLE_LINE)] | None = None
    country: Country = "LU"
    currency: CurrencyCode = "EUR"


class FeePolicyBody(msgspec.Struct, forbid_unknown_fields=True):
    percentage: Annotated[
        str,
        msgspec.Meta(
            pattern=r"^\d{1,3}(\.\d{1,4})?$",
            description='A decimal string: "2.5" is 2.5 %.',
            examples=["2.5"],
        ),
    ]
    fixed_amount: FeeAmount = 0
    minimum_fee: FeeAmount = 0
    maximum_fee: FeeAmount | None = None


class FeePolicyOut(msgspec.Struct):
    percentage: str
    fixed_amount: int
    minimum_fee: int
    maximum_fee: int | None
    currency: str


class PaymentConfigOut(msgspec.Struct):
    store_id: str
    stripe_account_id: str | None
    account_status: str
    accepts_payments: bool
    currency: str
    platform_fee_percentage: str
    needs_onboarding: bool
    payout_schedule: str
    minimum_payout: int
    fee_policy: FeePolicyOut


class StoreOut(msgspec.Struct):
    id: str
    name: str
    business_email: str
    business_phone: str | None
    country: str
    currency: str
    created_at: str | None
    payment_config: PaymentConfigOut


ApiKeyShownOnce = Annotated[
    str | None,
    msgspec.Meta(
        description=(
            "The store's API key, shown in this answer only; storepay keeps only its hash. Null "
            "in a replay of the request (same Idempotency-Key, header Idempotent-Replayed): "
            "rotate the key (POST /api/v1/admin/stores/{store_id}/api-keys) to get a new one."
        )
    ),
]
ApiKeyWithheld = Annotated[
    bool,
    msgspec.Meta(description="True in a replay: the API key was shown once and is left out."),
]


class CreatedStoreOut(msgspec.Struct):
    id: str
    name: str
    business_email: str
    business_phone: str | None
    country: str
    currency: str
    created_at: str | None
    payment_config: PaymentConfigOut
    api_key: ApiKeyShownOnce
    api_key_withheld: ApiKeyWithheld = False


class ApiKeyOut(msgspec.Struct):
    store_id: str
    api_key: ApiKeyShownOnce
    api_key_withheld: ApiKeyWithheld = False


def without_api_key(answer: CreatedStoreOut | ApiKeyOut) -> CreatedStoreOut | ApiKeyOut:
    """The answer as kept for a replay (``Idempotency-Key``): the key is shown only once."""
    return msgspec.structs.replace(answer, api_key=None, api_key_withheld=True)


def fee_policy_out(policy: FeePolicy) -> FeePolicyOut:
    return FeePolicyOut(
        percentage=str(policy.percentage),
        fixed_amount=policy.fixed_amount.minor_units,
        minimum_fee=policy.minimum_fee.minor_units,
        maximum_fee=None if policy.maximum_fee is None else policy.maximum_fee.minor_units,
        currency=policy.fixed_amount.currency.code,
    )


def payment_config_out(store: Store) -> PaymentConfigOut:
    status = store_account_status(store.account)
    return PaymentConfigOut(
        store_id=store.id,
        stripe_account_id=None if store.account is None else store.account.account_id,
        account_status=status.value,
        accepts_payments=status.accepts_payments,
        currency=store.currency.code,
        platform_fee_percentage=str(store.fee_policy.percentage),
        needs_onboarding=store.account is None or store.account.needs_onboarding,
        payout_schedule=store.payout_settings.schedule.interval.value,
        minimum_payout=store.payout_settings.minimum_payout.minor_units,
        fee_policy=fee_policy_out(store.fee_policy),
    )


def store_out(store: Store) -> StoreOut:
    return StoreOut(
        id=store.id,
        name=store.name,
        business_email=store.business_email,
        business_phone=store.business_phone,
        country=store.country,
        currency=store.currency.code,
        created_at=timestamp(store.created_at),
        payment_config=payment_config_out(store),
    )


def created_store_out(store: Store, api_key: str) -> CreatedStoreOut:
    shown = store_out(store)
    return CreatedStoreOut(**msgspec.structs.asdict(shown), api_key=api_key)
