"""The store's back office, called with the store's API key: its payment account and balance.

Every store endpoint sees only the calling store's resources; another store's id answers 404, as
an id that does not exist does.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, Router, get, patch, post
from litestar.di import Provide
from litestar.params import JSONBody

from application.use_cases.change_payout_settings import PayoutChange
from application.use_cases.set_up_payments import PaymentSetup
from entrypoints.http.auth import SECURITY, authenticated_store, store_only
from entrypoints.http.controllers.store_customers import StoreCustomersController
from entrypoints.http.controllers.store_orders import StoreOrdersController
from entrypoints.http.controllers.store_payments import StorePaymentsController
from entrypoints.http.dependencies import StoreDependency, UseCasesDependency
from entrypoints.http.idempotency import (
    IdempotentOperation,
    IdempotentOptionalBodyOperation,
    idempotent,
)
from entrypoints.http.problems import documented
from entrypoints.http.schemas.balance import BalancesOut, balances_out
from entrypoints.http.schemas.payment_config import (
    OnboardingLinkOut,
    PaymentSetupBody,
    PaymentSetupOut,
    PayoutSettingsBody,
    onboarding_link_out,
    payment_setup_out,
)
from entrypoints.http.schemas.stores import PaymentConfigOut, payment_config_out

STORE_TAG = "Store back office"


class StoreAccountController(Controller):
    path = "/"
    tags = [STORE_TAG]  # noqa: RUF012

    @get(
        "/payments/config",
        summary="The store's payment configuration",
        description=(
            "Whether the store's connected account can take payments, what onboarding still "
            "needs, the platform's commission and the payout settings."
        ),
        responses=documented(401),
    )
    async def payment_config(self, store: StoreDependency) -> PaymentConfigOut:
        return payment_config_out(store)

    @post(
        "/payments/setup",
        status_code=200,
        summary="Set up payments: the store's connected account and an onboarding link",
        description=(
            "The first call creates the store's connected account; later calls never create a "
            "second one: they return the same account and a fresh onboarding link. The body "
            "(optional) keeps the store's postal address on its record."
        ),
        responses=documented(401, 402, 409, 422),
        operation_class=IdempotentOptionalBodyOperation,
    )
    async def set_up_payments(
        self,
        request: Request[Any, Any, Any],
        store: StoreDependency,
        use_cases: UseCasesDependency,
        data: JSONBody[PaymentSetupBody | None] = None,
    ) -> Response[PaymentSetupOut]:
        body = data or PaymentSetupBody()

        async def run() -> Response[Any]:
            result = await use_cases.set_up_payments(
                PaymentSetup(
                    store_id=store.id,
                    address_line1=body.address_line1,
                    city=body.city,
                    postal_code=body.postal_code,
                )
            )
            return Response(payment_setup_out(result), status_code=200)

        return await idempotent(request, store.id, run)

    @post(
        "/payments/onboarding-link",
        status_code=200,
        summary="A fresh onboarding link",
        description="Refused with 409 payments_not_set_up before POST /store/payments/setup.",
        responses=documented(401, 402, 409),
        operation_class=IdempotentOperation,
    )
    async def onboarding_link(
        self,
        request: Request[Any, Any, Any],
        store: StoreDependency,
        use_cases: UseCasesDependency,
    ) -> Response[OnboardingLinkOut]:
        async def run() -> Response[Any]:
            link = await use_cases.refresh_onboarding_link(store.id)
            return Response(onboarding_link_out(link), status_code=200)

        return await idempotent(request, store.id, run)

    @patch(
        "/payments/settings",
        summary="Change when and from what amount the store is paid out",
        description=(
            "Fields left out keep their value. `minimum_payout` is in the store's currency's "
            "minor unit. Choosing a schedule needs a connected account (409 "
            "payments_not_set_up before setup); the gateway is told first."
        ),
        responses=documented(401, 402, 409, 422),
    )
    async def change_payout_settings(
        self,
        data: JSONBody[PayoutSettingsBody],
        store: StoreDependency,
        use_cases: UseCasesDependency,
    ) -> PaymentConfigOut:
        changed = await use_cases.change_payout_settings(
            PayoutChange(
                store_id=store.id,
                payout_schedule=data.payout_schedule,
                minimum_payout=data.minimum_payout,
            )
        )
        return payment_config_out(changed)

    @get(
        "/balance",
        summary="The store's takings per currency",
        description=(
            "`refunds` is all money returned to shoppers, `fee_refunds` the platform fee given "
            "back with it, `disputed` what open or lost disputes take from the store, and "
            "`net = gross_volume - platform_fees - refunds + fee_refunds - disputed`."
        ),
        responses=documented(401),
    )
    async def balance(self, store: StoreDependency, use_cases: UseCasesDependency) -> BalancesOut:
        return balances_out(await use_cases.get_balance(store.id))


store_router = Router(
    path="/store",
    route_handlers=[
        StoreAccountController,
        StoreOrdersController,
        StorePaymentsController,
        StoreCustomersController,
    ],
    guards=[store_only],
    dependencies={"store": Provide(authenticated_store)},
    security=SECURITY,
)
