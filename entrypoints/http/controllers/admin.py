"""The platform operator: opens stores, sets their commission, rotates keys, reads revenue."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody

from application.use_cases.create_store import NewStore
from application.use_cases.set_fee_policy import NewFeePolicy
from entrypoints.http.auth import SECURITY, admin_only
from entrypoints.http.dependencies import UseCasesDependency
from entrypoints.http.idempotency import IdempotentOperation, idempotent
from entrypoints.http.problems import documented
from entrypoints.http.schemas.common import CurrencyCode
from entrypoints.http.schemas.reports import PlatformFeeReportOut, platform_fee_report_out
from entrypoints.http.schemas.stores import (
    ApiKeyOut,
    CreatedStoreOut,
    FeePolicyBody,
    FeePolicyOut,
    NewStoreBody,
    StoreOut,
    created_store_out,
    fee_policy_out,
    store_out,
    without_api_key,
)

PLATFORM_SCOPE = "platform"


class AdminController(Controller):
    path = "/admin"
    tags = ["Platform operator"]  # noqa: RUF012
    guards = [admin_only]  # noqa: RUF012
    security = SECURITY

    @post(
        "/stores",
        status_code=201,
        summary="Open a store",
        description=(
            "The API key is shown only in this answer; storepay keeps only its hash. A replay "
            "(same Idempotency-Key) answers the same store with `api_key` null and "
            "`api_key_withheld` true: rotate the key to get a new one. The `currency` is the one "
            "the store is paid in, its orders and fees too: one Stripe takes card payments in "
            "(422 unsupported_currency, with `field`, otherwise)."
        ),
        responses=documented(401, 409, 422),
        operation_class=IdempotentOperation,
    )
    async def create_store(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[NewStoreBody],
        use_cases: UseCasesDependency,
    ) -> Response[CreatedStoreOut]:
        async def run() -> Response[Any]:
            created = await use_cases.create_store(
                NewStore(
                    name=data.name,
                    business_email=data.business_email,
                    business_phone=data.business_phone,
                    country=data.country,
                    currency=data.currency,
                )
            )
            return Response(created_store_out(created.store, created.api_key), status_code=201)

        return await idempotent(request, PLATFORM_SCOPE, run, kept=without_api_key)

    @get(
        "/stores/{store_id:str}",
        summary="A store with its payment configuration",
        responses=documented(401, 404),
    )
    async def get_store(self, store_id: FromPath[str], use_cases: UseCasesDependency) -> StoreOut:
        return store_out(await use_cases.get_store(store_id))

    @put(
        "/stores/{store_id:str}/fee-policy",
        summary="Set the store's commission",
        description=(
            "Percentage plus a fixed amount, clamped to [minimum_fee, maximum_fee] and never above "
            "the payment. Amounts are in the store's currency; applies to payments made after it."
        ),
        responses=documented(401, 404, 422),
    )
    async def set_fee_policy(
        self, store_id: FromPath[str], data: JSONBody[FeePolicyBody], use_cases: UseCasesDependency
    ) -> FeePolicyOut:
        policy = await use_cases.set_fee_policy(
            NewFeePolicy(
                store_id=store_id,
                percentage=data.percentage,
                fixed_amount=data.fixed_amount,
                minimum_fee=data.minimum_fee,
                maximum_fee=data.maximum_fee,
            )
        )
        return fee_policy_out(policy)

    @post(
        "/stores/{store_id:str}/api-keys",
        status_code=201,
        summary="Issue a new API key; the old one stops working",
        description=(
            "The new key is shown only in this answer. A replay (same Idempotency-Key) answers "
            "`api_key` null and `api_key_withheld` true: the key it made stays the store's key; "
            "rotate again (with a new Idempotency-Key) if it was lost."
        ),
        responses=documented(401, 404, 409),
        operation_class=IdempotentOperation,
    )
    async def rotate_api_key(
        self,
        request: Request[Any, Any, Any],
        store_id: FromPath[str],
        use_cases: UseCasesDependency,
    ) -> Response[ApiKeyOut]:
        async def run() -> Response[Any]:
            api_key = await use_cases.rotate_api_key(store_id)
            return Response(ApiKeyOut(store_id=store_id, api_key=api_key), status_code=201)

        return await idempotent(request, PLATFORM_SCOPE, run, kept=without_api_key)

    @get(
        "/reports/platform-fees",
        summary="Commission collected and given back, in total and per store",
        responses=documented(401, 422),
    )
    async def platform_fees(
        self,
        use_cases: UseCasesDependency,
        currency: FromQuery[CurrencyCode | None] = None,
    ) -> PlatformFeeReportOut:
        return platform_fee_report_out(await use_cases.report_platform_fees(currency))
