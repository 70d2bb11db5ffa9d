"""The composition root: settings choose the adapters, the adapters make the use cases.

Nothing else in storepay decides which database or gateway runs. Tests swap a part by overriding
its provider (``with container.adapters.gateway.override(fake): ...``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection

import stripe
from dependency_injector import containers, providers

from adapters.prometheus import PrometheusTelemetry
from adapters.sqlalchemy import SqlUnitOfWorkFactory, create_engine
from adapters.stripe import ACTED_ON, StripeGateway
from adapters.stripe_emulator import (
    API_BASE,
    REDELIVERY_SCHEDULE,
    SECRET_KEY,
    DeliveryCallback,
    DeliveryMode,
    EmulatedStripe,
    EmulatorControls,
    HostileNetwork,
    StripeApi,
    StripeEmulator,
)
from adapters.system.api_keys import RandomSecrets
from adapters.system.clock import SystemClock
from adapters.system.ids import TimeOrderedIds
from adapters.system.tokens import HmacTokenSigner
from application.gateway import GatewayUnavailable, PaymentGateway
from application.settings import ServiceSettings
from application.use_cases.catalogue import Ports, UseCases
from entrypoints.settings import GatewayKind, Settings, SettingsError


def signing_key(settings: Settings) -> bytes:
    """The key of onboarding-link tokens, derived so that every worker shares it."""
    return hmac.new(
        settings.admin_token.encode(), b"storepay onboarding tokens", hashlib.sha256
    ).digest()


def service_settings(settings: Settings) -> ServiceSettings:
    return ServiceSettings(
        public_url=settings.public_url,
        default_fee_percentage=settings.default_fee_percentage,
    )


def stripe_emulator_for(
    settings: Settings,
    *,
    deliver: DeliveryCallback | None = None,
    enabled_events: Collection[str] | None = None,
    history: int | None = None,
) -> StripeEmulator:
    """Stripe's test mode: it signs its events with the endpoints' secrets and delivers them as
    ``STOREPAY_SIMULATED_DELIVERY`` says (in process unless given where to ``deliver``)."""
    delivery = settings.simulated_delivery
    return StripeEmulator(
        webhook_secret=settings.webhook_secret,
        connect_webhook_secret=settings.connect_secret,
        public_url=settings.public_url,
        deliver=deliver,
        delivery_mode=DeliveryMode(delivery.kind.value),
        redelivery=REDELIVERY_SCHEDULE,
        enabled_events=enabled_events,
        history=history,
        hostile=HostileNetwork(
            max_delay=delivery.max_delay_ms / 1000,
            duplicates=delivery.duplicates_percent / 100,
            shuffle=delivery.shuffle,
        ),
    )


def stripe_placement(settings: Settings) -> str:
    """Where storepay's Stripe is: Stripe itself, the emulator in this process, or the emulator
    served over HTTP at ``STRIPE_API_BASE`` (``serve`` runs one there for several workers)."""
    if settings.gateway is GatewayKind.STRIPE:
        return "stripe"
    return "emulator_in_process" if settings.stripe_api_base is None else "emulator_over_http"


def emulator_wire(emulator: StripeEmulator | None) -> EmulatedStripe | None:
    """The in-process wire to the emulator: stripe-python's HTTP client, answered in process
    (none without an emulator)."""
    return (
        None if emulator is None else EmulatedStripe(StripeApi(emulator, secret_keys=[SECRET_KEY]))
    )


def simulated_gateway(settings: Settings, wire: stripe.HTTPClient | None) -> StripeGateway:
    """The Stripe adapter, talking to the emulator instead of Stripe: the simulated gateway,
    through the in-process ``wire``."""
    return _simulated_gateway(settings, API_BASE, wire)


def served_simulated_gateway(settings: Settings) -> StripeGateway:
    """The simulated gateway talking over HTTP to the emulator served at ``STRIPE_API_BASE``."""
    assert settings.stripe_api_base is not None  # stripe_placement chose HTTP for it
    return _simulated_gateway(settings, settings.stripe_api_base, None)


def _simulated_gateway(
    settings: Settings, api_base: str, wire: stripe.HTTPClient | None
) -> StripeGateway:
    return StripeGateway(
        secret_key=SECRET_KEY,
        publishable_key=None,  # the checkout page pays with the emulator's test-card form
        webhook_secret=settings.webhook_secret,
        connect_webhook_secret=settings.connect_secret,
        api_base=api_base,
        http_client=wire,
        name="simulated",
    )


def emulator_controls(wire: stripe.HTTPClient | None) -> EmulatorControls | None:
    """The in-process emulator's test mode, asked through its API; none without an emulator
    (there is nothing for the simulator to drive)."""
    if wire is None:
        return None
    return EmulatorControls(
        wire, api_base=API_BASE, secret_key=SECRET_KEY, unreachable=GatewayUnavailable
    )


def served_emulator_controls(settings: Settings) -> EmulatorControls:
    """The test mode of the emulator served at ``STRIPE_API_BASE``, asked over HTTP."""
    assert settings.stripe_api_base is not None  # stripe_placement chose HTTP for it
    return EmulatorControls(
        stripe.HTTPXClient(),
        api_base=settings.stripe_api_base,
        secret_key=SECRET_KEY,
        unreachable=GatewayUnavailable,
    )


def stripe_gateway(settings: Settings) -> PaymentGateway:
    """The gateway on Stripe; STRIPE_API_BASE points every Stripe address (api, connect, files)
    at a Stripe-compatible server instead of Stripe's."""
    if settings.stripe_secret_key is None:
        raise SettingsError("STRIPE_SECRET_KEY is required when STOREPAY_GATEWAY=stripe")
    if settings.stripe_publishable_key is None:
        raise SettingsError(
            "STRIPE_PUBLISHABLE_KEY is required when STOREPAY_GATEWAY=stripe "
            "(pk_test_... or pk_live_...: the checkout page confirms payments with it)"
        )
    try:
        return StripeGateway(
            secret_key=settings.stripe_secret_key,
            publishable_key=settings.stripe_publishable_key,
            webhook_secret=settings.platform_webhook_secret,
            connect_webhook_secret=settings.connect_webhook_secret,
            api_base=settings.stripe_api_base,
        )
    except ValueError as error:
        raise SettingsError(str(error)) from None


def wired_use_cases(ports: Ports, emulator: StripeEmulator | None) -> UseCases:
    """The use cases; the Stripe emulator, when it runs, delivers its signed events to the
    webhook handling, as Stripe does to the webhook routes."""
    use_cases = UseCases(ports)
    if emulator is not None:

        async def deliver(payload: bytes, signature: str, connect: bool) -> None:
            await use_cases.handle_gateway_event(payload, signature, connect=connect)

        emulator.connect_delivery(deliver)
    return use_cases


class Adapters(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    engine = providers.Singleton(
        create_engine,
        settings.provided.database_url,
        pool_size=settings.provided.database_pool_size,
    )
    uow_factory = providers.Singleton(SqlUnitOfWorkFactory, engine)
    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(TimeOrderedIds)
    secrets = providers.Singleton(RandomSecrets)
    signer = providers.Singleton(HmacTokenSigner, providers.Callable(signing_key, settings))
    # Event types as labels: only those storepay acts on; any other is counted as 'other'.
    telemetry = providers.Singleton(PrometheusTelemetry, ACTED_ON)
    placement = providers.Callable(stripe_placement, settings)
    stripe_emulator = providers.Selector(
        placement,
        emulator_in_process=providers.Singleton(stripe_emulator_for, settings),
        emulator_over_http=providers.Object(None),
        stripe=providers.Object(None),
    )
    # Each user of the in-process wire gets its own (each closes what it holds).
    emulator_wire = providers.Selector(
        placement,
        emulator_in_process=providers.Factory(emulator_wire, stripe_emulator),
        emulator_over_http=providers.Object(None),
        stripe=providers.Object(None),
    )
    gateway = providers.Selector(
        placement,
        emulator_in_process=providers.Singleton(simulated_gateway, settings, emulator_wire),
        emulator_over_http=providers.Singleton(served_simulated_gateway, settings),
        stripe=providers.Singleton(stripe_gateway, settings),
    )
    emulator_controls = providers.Selector(
        placement,
        emulator_in_process=providers.Singleton(emulator_controls, emulator_wire),
        emulator_over_http=providers.Singleton(served_emulator_controls, settings),
        stripe=providers.Object(None),
    )


class Service(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    adapters = providers.Container(Adapters, settings=settings)
    ports = providers.Singleton(
        Ports,
        uow_factory=adapters.uow_factory,
        gateway=adapters.gateway,
        clock=adapters.clock,
        ids=adapters.ids,
        secrets=adapters.secrets,
        signer=adapters.signer,
        settings=providers.Callable(service_settings, settings),
        token_uses=adapters.uow_factory.provided.token_uses,
        telemetry=adapters.telemetry,
    )
    use_cases = providers.Singleton(wired_use_cases, ports, adapters.stripe_emulator)


def build_service(settings: Settings) -> Service:
    return Service(settings=settings)


async def close_service(service: Service) -> None:
    """Release what the adapters hold open: database connections, connections to Stripe."""
    gateway = service.adapters.gateway()
    if isinstance(gateway, StripeGateway):
        await gateway.aclose()
    controls = service.adapters.emulator_controls()
    if controls is not None:
        await controls.aclose()
    emulator = service.adapters.stripe_emulator()
    if emulator is not None:
        await emulator.aclose()
    await service.adapters.engine().dispose()
