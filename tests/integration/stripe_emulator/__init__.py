"""A Stripe stand-in for tests with no internet: localstripe, taught Connect by a proxy."""

from .localstripe_process import LocalStripe
from .proxy import (
    DECLINES,
    Delivery,
    DestinationCharge,
    RefundRecord,
    SeenRequest,
    StripeEmulator,
    WebhookEndpoint,
    sign,
)
from .server import EmulatorServer

__all__ = [
    "DECLINES",
    "Delivery",
    "DestinationCharge",
    "EmulatorServer",
    "LocalStripe",
    "RefundRecord",
    "SeenRequest",
    "StripeEmulator",
    "WebhookEndpoint",
    "sign",
]
