"""Stripe, emulated: its API (reached by stripe-python in process through
:class:`EmulatedStripe`, or over HTTP through :class:`StripeApiApp`), its test mode (test cards,
onboarding, disputes, payouts: :mod:`.world`) and its signed webhook events (delivered in process,
or POSTed to a service's :class:`WebhookEndpoints`). storepay's Stripe adapter talks to it as it
talks to Stripe."""

from adapters.stripe_emulator.api import StripeApi
from adapters.stripe_emulator.asgi import StripeApiApp
from adapters.stripe_emulator.controls import EmulatorControls, EmulatorUnreachable
from adapters.stripe_emulator.delivery import (
    REDELIVERY_SCHEDULE,
    Delivery,
    DeliveryCallback,
    DeliveryMode,
    FailedDelivery,
    HostileNetwork,
)
from adapters.stripe_emulator.emulator import OnboardingSession, StripeEmulator
from adapters.stripe_emulator.endpoints import DeliveryRefused, WebhookEndpoints
from adapters.stripe_emulator.ids import random_ids, sequential_ids
from adapters.stripe_emulator.requests import EmulatorError
from adapters.stripe_emulator.transport import API_BASE, EmulatedStripe

SECRET_KEY = "sk_test_storepay_emulator"
"""The secret key the emulator's API accepts unless told otherwise."""

__all__ = [
    "API_BASE",
    "REDELIVERY_SCHEDULE",
    "SECRET_KEY",
    "Delivery",
    "DeliveryCallback",
    "DeliveryMode",
    "DeliveryRefused",
    "EmulatedStripe",
    "EmulatorControls",
    "EmulatorError",
    "EmulatorUnreachable",
    "FailedDelivery",
    "HostileNetwork",
    "OnboardingSession",
    "StripeApi",
    "StripeApiApp",
    "StripeEmulator",
    "WebhookEndpoints",
    "random_ids",
    "sequential_ids",
]
