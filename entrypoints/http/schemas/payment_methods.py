"""Cards a shopper saved with a store, on the wire."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from application.errors import InvalidPage
from domain.payment_method import SavedPaymentMethod
from entrypoints.http.schemas.common import timestamp


class PaymentMethodOut(msgspec.Struct):
    id: str
    type: str
    card_brand: str | None
    card_last4: str | None
    card_exp_month: int | None
    card_exp_year: int | None
    is_default: bool
    created_at: str | None


class PaymentMethodPageOut(msgspec.Struct):
    data: list[PaymentMethodOut]
    has_more: bool


def payment_method_out(method: SavedPaymentMethod) -> PaymentMethodOut:
    return PaymentMethodOut(
        id=method.id,
        type=method.type,
        card_brand=method.card_brand,
        card_last4=method.card_last4,
        card_exp_month=method.card_exp_month,
        card_exp_year=method.card_exp_year,
        is_default=method.is_default,
        created_at=timestamp(method.created_at),
    )


def payment_method_page(
    methods: Sequence[SavedPaymentMethod], *, limit: int, starting_after: str | None
) -> PaymentMethodPageOut:
    """One page of a shopper's saved methods, already newest first."""
    start = 0
    if starting_after is not None:
        ids = [method.id for method in methods]
        if starting_after not in ids:
            raise InvalidPage("starting_after names no saved payment method of this shopper")
        start = ids.index(starting_after) + 1
    page = methods[start : start + limit]
    return PaymentMethodPageOut(
        data=[payment_method_out(method) for method in page],
        has_more=len(methods) > start + limit,
    )
