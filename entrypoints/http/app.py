"""The Litestar application: thin controllers over the use cases the container wires."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig

from adapters.sqlalchemy.leases import exclusively
from application.use_cases.catalogue import UseCases
from entrypoints.container import Service, build_service, close_service
from entrypoints.http.access_log import observe_answers
from entrypoints.http.api_docs import SwaggerUi
from entrypoints.http.auth import SECURITY_COMPONENTS
from entrypoints.http.body_deadline import body_deadline
from entrypoints.http.control_characters import refuse_control_characters
from entrypoints.http.controllers.admin import AdminController
from entrypoints.http.controllers.checkout_pages import CheckoutPagesController
from entrypoints.http.controllers.metrics import MetricsController
from entrypoints.http.controllers.onboarding_pages import OnboardingPagesController
from entrypoints.http.controllers.operations import OperationsController
from entrypoints.http.controllers.payment_status import PaymentStatusController
from entrypoints.http.controllers.simulator import SimulatorController
from entrypoints.http.controllers.store import store_router
from entrypoints.http.controllers.storefront import StorefrontController
from entrypoints.http.controllers.webhooks import WebhooksController
from entrypoints.http.problems import EXCEPTION_HANDLERS
from entrypoints.http.rate_limit import storefront_limit
from entrypoints.http.storefront_cors import storefront_cors
from entrypoints.http.strict_bodies import decode_strictly
from entrypoints.reconciler import reconciling
from entrypoints.settings import GatewayKind, load_settings
from entrypoints.web.rendering import static_files

API_PREFIX = "/api/v1"
MAX_BODY_BYTES = 64 * 1024
VERSION = "1.0.0"
RECONCILER_LOCK = "storepay.reconciler"


def _from_container(provider: Callable[[], Any]) -> Provide:
    async def dependency() -> Any:
        return provider()

    return Provide(dependency, use_cache=True)


def create_app(service: Service | None = None) -> Litestar:
    """The app for ``service``; by default one built from the environment's settings."""
    service = service or build_service(load_settings(os.environ))
    settings = service.settings()

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        try:
            async with reconciling(
                lambda: service.use_cases().reconcile(),
                settings.reconcile_interval_seconds,
                # One worker at a time reconciles (an advisory lock on PostgreSQL).
                exclusive=lambda: exclusively(service.adapters.engine(), RECONCILER_LOCK),
            ):
                yield
        finally:
            await close_service(service)

    limit = storefront_limit(settings)  # per worker, or shared through Redis
    storefront_middleware = limit.middleware
    # Public storefront routes get their own router: the per-address rate limit is theirs alone,
    # and so are cross-origin calls (before the limit: a preflight is not counted).
    cors = [storefront_cors(settings.cors_origins)] if settings.cors_origins else []
    storefront = Router(
        path="/",
        route_handlers=[StorefrontController, PaymentStatusController],
        middleware=[*cors, *storefront_middleware],
    )
    # The shopper's pages share the storefront's per-address limit (they ask the gateway for
    # saved cards).
    checkout_pages = Router(
        path="/", route_handlers=[CheckoutPagesController], middleware=storefront_middleware
    )
    # Onboarding pages mint links at the gateway: limited per address like the storefront.
    onboarding_pages = Router(
        path="/", route_handlers=[OnboardingPagesController], middleware=storefront_middleware
    )
    api = Router(
        path=API_PREFIX,
        route_handlers=[AdminController, storefront, store_router],
    )
    simulator = [SimulatorController] if settings.gateway is GatewayKind.SIMULATED else []
    body_timeout = settings.request_body_timeout_seconds
    slow_bodies_cut = [body_deadline(body_timeout)] if body_timeout else []
    app = Litestar(
        route_handlers=[
            api,
            OperationsController,
            MetricsController,
            WebhooksController,
            onboarding_pages,
            checkout_pages,
            static_files(),
            *simulator,
        ],
        dependencies={
            "use_cases": _from_container(service.use_cases),
            "engine": _from_container(service.adapters.engine),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=decode_strictly,
        lifespan=[lifespan, limit.lifespan],
        stores=limit.stores,
        request_max_body_size=MAX_BODY_BYTES,
        middleware=[*slow_bodies_cut, refuse_control_characters],
        openapi_config=OpenAPIConfig(
            title="storepay",
            version=VERSION,
            description="Payments for multi-store marketplaces on Stripe Connect.",
            path="/schema",
            components=SECURITY_COMPONENTS,
            render_plugins=[SwaggerUi()],
        ),
        state=State({"service": service}),
        signature_types=[UseCases, Service],
    )
    observe_answers(app)
    return app
