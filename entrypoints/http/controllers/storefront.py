"""The storefront: what a shopper's browser calls, without credentials, to pay an order.

Public and cross-origin (CORS for the configured storefront origins), so these routes live in
their own router where a per-address rate limit can be attached.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from application.use_cases.create_payment_intent import IntentForOrder
from domain.currency import MAXIMUM_CHARGE_MINOR_UNITS
from entrypoints.http.dependencies import UseCasesDependency
from entrypoints.http.problems import documented
from entrypoints.http.schemas.storefront import (
    CreateIntentBody,
    FeePreviewOut,
    PaymentIntentOut,
    fee_preview_out,
    payment_intent_out,
)

# Query parameters: Litestar checks these constraints itself (msgspec ``Meta`` in an annotation is
# documented but not enforced on query strings).
AmountQuery = Annotated[
    int,
    QueryParameter(
        gt=0,
        le=MAXIMUM_CHARGE_MINOR_UNITS,
        description="A positive whole number of the currency's minor unit (1999 EUR = €19.99).",
    ),
]
CurrencyQuery = Annotated[
    str,
    QueryParameter(
        pattern="^[A-Za-z]{3}$", description="ISO 4217 code, any case; answers are upper-case."
    ),
]


class StorefrontController(Controller):
    path = "/platform/stores/{store_id:str}/payments"
    tags = ["Storefront"]  # noqa: RUF012
    security = []  # noqa: RUF012  (public: no bearer token)

    @post(
        "/create-intent",
        status_code=200,
        summary="Start paying an order: its one open payment intent",
        description=(
            "Checks the order against what the shopper's page says it is paying: the amount, the "
            "currency (optional) and the customer's email (optional: the order's own is used "
            "when left out) must be the order's (422 amount_mismatch, currency_mismatch, "
            "customer_mismatch); an order kept from before orders had to be in the store's "
            "currency is 422 store_currency_mismatch. The store must accept payments (409 "
            "payments_not_enabled); a paid order is refused (409 order_already_paid). While the "
            "order's intent is still open, calling again returns that same intent: one order "
            "never has two open intents.\n\n"
            "Saved cards: only with `customer_session`, the token the store's backend asked for "
            "once its shopper signed in, is the shopper's gateway customer attached to the "
            "intent, so that a card they saved can pay it and `save_payment_method` can save "
            "one. The session is used up by this call; an unknown, expired, used or foreign one "
            "is 422 customer_session_invalid, and `save_payment_method` without one is 422 "
            "customer_session_required. An open intent is handed out only to a caller it fits: "
            "one made for the shopper's customer is canceled and replaced by a card-only intent "
            "for a caller without a session (and the other way round) while nothing is being "
            "confirmed on it; while something is, 422 customer_session_required. "
            "`publishable_key` is sent only by the Stripe gateway."
        ),
        responses=documented(404, 409, 422, 429),
    )
    async def create_intent(
        self,
        store_id: FromPath[str],
        data: JSONBody[CreateIntentBody],
        use_cases: UseCasesDependency,
    ) -> PaymentIntentOut:
        created = await use_cases.create_payment_intent(
            IntentForOrder(
                store_id=store_id,
                order_id=data.order_id,
                amount=data.amount,
                customer_email=data.customer_email,
                currency=data.currency,
                metadata=data.metadata,
                save_payment_method=data.save_payment_method,
                customer_session=data.customer_session,
            )
        )
        return payment_intent_out(created)

    @get(
        "/fee-preview",
        summary="How a payment would divide between the store and the platform",
        description=(
            "`amount` is a whole number of the currency's minor unit; `currency` is the store's "
            "(422 store_currency_mismatch otherwise)."
        ),
        responses=documented(404, 422, 429),
        cache=False,
    )
    async def fee_preview(
        self,
        store_id: FromPath[str],
        amount: AmountQuery,
        currency: CurrencyQuery,
        use_cases: UseCasesDependency,
    ) -> FeePreviewOut:
        return fee_preview_out(await use_cases.preview_fee(store_id, amount, currency))
