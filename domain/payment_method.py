"""Cards a shopper saved with a store, kept at the gateway and mirrored here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.errors import UnknownPaymentMethod


@dataclass(eq=False)
class SavedPaymentMethod:
    id: str  # the gateway's payment method id
    store_id: str
    customer_email: str
    type: str
    created_at: datetime
    card_brand: str | None = None
    card_last4: str | None = None
    card_exp_month: int | None = None
    card_exp_year: int | None = None
    is_default: bool = False


def make_default(methods: Sequence[SavedPaymentMethod], payment_method_id: str) -> None:
    """Make one of a shopper's saved methods the default, and only that one."""
    if not any(method.id == payment_method_id for method in methods):
        raise UnknownPaymentMethod(f"no saved payment method {payment_method_id}")
    for method in methods:
        method.is_default = method.id == payment_method_id
