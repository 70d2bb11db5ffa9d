"""A Stripe-test-mode-like payment gateway: test cards, Connect accounts and signed events."""

from adapters.simulated.delivery import (
    REDELIVERY_SCHEDULE,
    Delivery,
    DeliveryCallback,
    DeliveryMode,
    FailedDelivery,
)
from adapters.simulated.gateway import OnboardingSession, SimulatedGateway, UnknownPaymentMethod
from adapters.simulated.ids import random_ids, sequential_ids

__all__ = [
    "REDELIVERY_SCHEDULE",
    "Delivery",
    "DeliveryCallback",
    "DeliveryMode",
    "FailedDelivery",
    "OnboardingSession",
    "SimulatedGateway",
    "UnknownPaymentMethod",
    "random_ids",
    "sequential_ids",
]
