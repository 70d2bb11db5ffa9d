"""A store registers its orders, reads where their payment stands, and vouches for the shopper
of one at its checkout (a customer session)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from application.use_cases.create_customer_session import SessionForOrder
from application.use_cases.register_order import NewOrder
from entrypoints.http.auth import service_of
from entrypoints.http.dependencies import StoreDependency, UseCasesDependency
from entrypoints.http.idempotency import (
    IdempotentOperation,
    SameAnswerOperation,
    idempotency_key,
    idempotent,
)
from entrypoints.http.problems import documented
from entrypoints.http.schemas.customer_sessions import CustomerSessionOut, customer_session_out
from entrypoints.http.schemas.orders import NewOrderBody, OrderOut, order_out


class StoreOrdersController(Controller):
    path = "/orders"
    tags = ["Store back office"]  # noqa: RUF012

    @post(
        "/",
        status_code=201,
        summary="Register an order",
        description=(
            "`201` with the new order. Registering a reference the store already used answers "
            "`200` with the existing order when every field matches, and `409` "
            "order_reference_conflict when any differs. The order is in the store's currency "
            "(422 store_currency_mismatch otherwise, so the store's fee policy applies to every "
            "order), one Stripe takes card payments in (422 unsupported_currency)."
        ),
        responses={
            **documented(401, 409, 422),
            200: ResponseSpec(
                data_container=OrderOut,
                description="The reference was already registered with the same details.",
            ),
        },
        operation_class=IdempotentOperation,
    )
    async def register_order(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[NewOrderBody],
        store: StoreDependency,
        use_cases: UseCasesDependency,
    ) -> Response[OrderOut]:
        async def run() -> Response[Any]:
            registered = await use_cases.register_order(
                NewOrder(
                    store_id=store.id,
                    reference=data.reference,
                    customer_email=data.customer_email,
                    amount=data.amount,
                    currency=data.currency,
                )
            )
            status = 201 if registered.created else 200
            return Response(order_out(registered.order), status_code=status)

        return await idempotent(request, store.id, run)

    @get(
        "/{order_id:str}",
        summary="An order, with where its payment stands",
        responses=documented(401, 404),
    )
    async def get_order(
        self, order_id: FromPath[str], store: StoreDependency, use_cases: UseCasesDependency
    ) -> OrderOut:
        return order_out(await use_cases.get_order(store.id, order_id))

    @post(
        "/{order_id:str}/customer-session",
        status_code=201,
        summary="Let the order's signed-in shopper use their saved cards at its checkout",
        description=(
            "Call it from the store's backend once the order's shopper signed in at the store, and "
            "send the shopper's browser to `checkout_url` (the checkout page with "
            "`?customer_session=<token>`). Only with it does the checkout show the cards the "
            "shopper saved with the store and offer to save one, and only with it does "
            "create-intent attach the shopper's gateway customer. The token is bound to this "
            "store, this order and its shopper, expires after 15 minutes and is used up by the "
            "first create-intent that sends it; storepay keeps only its hash. Ask again for a "
            "new one (say, when the shopper comes back later). A retry with the same "
            "`Idempotency-Key` gets the same token again. A paid order: 409 order_already_paid."
        ),
        responses=documented(401, 404, 409),
        operation_class=SameAnswerOperation,
    )
    async def create_customer_session(
        self,
        request: Request[Any, Any, Any],
        order_id: FromPath[str],
        store: StoreDependency,
        use_cases: UseCasesDependency,
    ) -> CustomerSessionOut:
        key = idempotency_key(request)
        # Idempotent in the use case: a retry gets the same session's token, derived again
        # rather than kept (an answer kept for replay would hold the token in plain text).
        issued = await use_cases.create_customer_session(
            SessionForOrder(store.id, order_id, idempotency_key=key)
        )
        return customer_session_out(issued, service_of(request).settings().public_url)
