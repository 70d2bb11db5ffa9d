"""storepay's Stripe adapter on the Stripe emulator, as tests build it: the pair shares one clock,
one pair of webhook secrets and one id source, and events go wherever the test says."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters.stripe import StripeGateway
from adapters.stripe_emulator import (
    API_BASE,
    SECRET_KEY,
    DeliveryCallback,
    DeliveryMode,
    EmulatedStripe,
    StripeApi,
    StripeEmulator,
)
from adapters.stripe_emulator.ids import IdFactory


@dataclass(frozen=True, slots=True)
class EmulatedStripeAccount:
    """The emulator (Stripe's side, test mode included) and the adapter that talks to it."""

    emulator: StripeEmulator
    gateway: StripeGateway
    transport: EmulatedStripe


WEBHOOK_SECRET = "whsec_tests_platform_endpoint"


def emulated_stripe(
    *,
    webhook_secret: str = WEBHOOK_SECRET,
    connect_webhook_secret: str | None = None,
    clock: Callable[[], datetime] | None = None,
    ids: IdFactory | None = None,
    deliver: DeliveryCallback | None = None,
    delivery_mode: DeliveryMode | str = DeliveryMode.IMMEDIATE,
    public_url: str = "http://127.0.0.1:8000",
    redelivery: Sequence[float] = (),
    transport: Callable[[StripeApi], EmulatedStripe] = EmulatedStripe,
    name: str = "simulated",
    **gateway_options: Any,
) -> EmulatedStripeAccount:
    """``transport`` wraps the emulator's API (a test's own ``EmulatedStripe`` subclass can
    check, delay or drop requests); ``gateway_options`` go to ``StripeGateway``."""
    now = clock or (lambda: datetime.now(UTC))
    emulator = StripeEmulator(
        webhook_secret=webhook_secret,
        connect_webhook_secret=connect_webhook_secret,
        public_url=public_url,
        clock=now,
        ids=ids,
        deliver=deliver,
        delivery_mode=delivery_mode,
        redelivery=redelivery,
    )
    wire = transport(StripeApi(emulator, secret_keys=[SECRET_KEY]))
    gateway = StripeGateway(
        secret_key=SECRET_KEY,
        publishable_key=None,
        webhook_secret=webhook_secret,
        connect_webhook_secret=connect_webhook_secret,
        api_base=API_BASE,
        http_client=wire,
        clock=now,
        name=name,
        **gateway_options,
    )
    return EmulatedStripeAccount(emulator, gateway, wire)
