"""A store manages the cards its shoppers saved: lists them, picks the default, removes one."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import FromPath, FromQuery, Parameter

from entrypoints.http.dependencies import StoreDependency, UseCasesDependency
from entrypoints.http.idempotency import IdempotentOperation, idempotent
from entrypoints.http.problems import documented
from entrypoints.http.schemas.payment_methods import (
    PaymentMethodOut,
    PaymentMethodPageOut,
    payment_method_out,
    payment_method_page,
)

CustomerEmail = Annotated[
    str, Parameter(description="The shopper's e-mail address (any case).", max_length=254)
]
Limit = Annotated[int, Parameter(ge=1, le=100, description="Page size, 1 to 100.")]
StartingAfter = Annotated[
    str, Parameter(description="The id of the last payment method of the previous page.")
]


class StoreCustomersController(Controller):
    path = "/customers/{customer_email:str}/payment-methods"
    tags = ["Store back office"]  # noqa: RUF012

    @get(
        "/",
        summary="The cards a shopper saved with the store, newest first",
        description="Read from the gateway, so a card removed there is gone here too.",
        responses=documented(401, 402, 404, 422),
    )
    async def list_payment_methods(
        self,
        customer_email: FromPath[CustomerEmail],
        store: StoreDependency,
        use_cases: UseCasesDependency,
        limit: FromQuery[Limit] = 20,
        starting_after: FromQuery[StartingAfter | None] = None,
    ) -> PaymentMethodPageOut:
        methods = await use_cases.list_payment_methods(store.id, customer_email)
        return payment_method_page(methods, limit=limit, starting_after=starting_after)

    @post(
        "/{payment_method_id:str}/default",
        status_code=200,
        summary="Offer this card first",
        responses=documented(401, 404, 409, 422),
        operation_class=IdempotentOperation,
    )
    async def set_default(
        self,
        request: Request[Any, Any, Any],
        customer_email: FromPath[CustomerEmail],
        payment_method_id: FromPath[str],
        store: StoreDependency,
        use_cases: UseCasesDependency,
    ) -> Response[PaymentMethodOut]:
        async def run() -> Response[Any]:
            chosen = await use_cases.set_default_payment_method(
                store.id, customer_email, payment_method_id
            )
            return Response(payment_method_out(chosen), status_code=200)

        return await idempotent(request, store.id, run)

    @delete(
        "/{payment_method_id:str}",
        summary="Remove a saved card, here and at the gateway",
        responses=documented(401, 402, 404, 422),
    )
    async def remove(
        self,
        customer_email: FromPath[CustomerEmail],
        payment_method_id: FromPath[str],
        store: StoreDependency,
        use_cases: UseCasesDependency,
    ) -> None:
        await use_cases.remove_payment_method(store.id, customer_email, payment_method_id)
