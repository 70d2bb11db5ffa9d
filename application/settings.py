"""The few settings the use cases need, handed in by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from domain.fees import Percentage


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    public_url: str
    default_fee_percentage: Percentage
    onboarding_token_lifetime: timedelta = timedelta(hours=24)
    stuck_payment_age: timedelta = timedelta(minutes=15)
    reconcile_batch_size: int = 100
