"""A store pages through its payments, reads one with its refunds, and refunds it."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from application.use_cases.list_payments import PaymentQuery
from application.use_cases.refund_payment import RefundOrder
from domain.payment import PaymentStatus
from entrypoints.http.dependencies import StoreDependency, UseCasesDependency
from entrypoints.http.idempotency import (
    HEADER,
    IdempotentOptionalBodyOperation,
    idempotent,
)
from entrypoints.http.problems import documented
from entrypoints.http.schemas.payments import (
    PaymentOut,
    PaymentPageOut,
    RefundBody,
    RefundOut,
    payment_out,
    refund_out,
)

Limit = Annotated[int, Parameter(ge=1, le=100, description="Page size, 1 to 100.")]
StartingAfter = Annotated[
    str, Parameter(description="The id of the last payment of the previous page.")
]


class StorePaymentsController(Controller):
    path = "/payments"
    tags = ["Store back office"]  # noqa: RUF012

    @get(
        "/",
        summary="The store's payments, newest first",
        responses=documented(401),
    )
    async def list_payments(
        self,
        store: StoreDependency,
        use_cases: UseCasesDependency,
        status: FromQuery[PaymentStatus | None] = None,
        limit: FromQuery[Limit] = 20,
        starting_after: FromQuery[StartingAfter | None] = None,
    ) -> PaymentPageOut:
        page = await use_cases.list_payments(
            PaymentQuery(
                store_id=store.id,
                limit=limit,
                status=None if status is None else status.value,
                starting_after=starting_after,
            )
        )
        return PaymentPageOut(data=[payment_out(p) for p in page.data], has_more=page.has_more)

    @get(
        "/{payment_id:str}",
        summary="A payment, with its fee breakdown and refunds",
        responses=documented(401, 404),
    )
    async def get_payment(
        self, payment_id: FromPath[str], store: StoreDependency, use_cases: UseCasesDependency
    ) -> PaymentOut:
        return payment_out(await use_cases.get_payment(store.id, payment_id))

    @post(
        "/{payment_id:str}/refunds",
        status_code=201,
        summary="Refund a payment, in full or in part",
        description=(
            "`amount` defaults to all that is left to refund. The platform fee is refunded in "
            "proportion and the transfer to the store pulled back with it. A payment that is not "
            "succeeded or partially refunded answers 409 payment_not_refundable; more than is "
            "left answers 422 refund_exceeds_remaining."
        ),
        responses=documented(401, 402, 404, 409, 422),
        operation_class=IdempotentOptionalBodyOperation,
    )
    async def refund_payment(
        self,
        request: Request[Any, Any, Any],
        payment_id: FromPath[str],
        store: StoreDependency,
        use_cases: UseCasesDependency,
        data: JSONBody[RefundBody | None] = None,
    ) -> Response[RefundOut]:
        body = data or RefundBody()

        async def run() -> Response[Any]:
            made = await use_cases.refund_payment(
                RefundOrder(
                    store_id=store.id,
                    payment_id=payment_id,
                    amount=body.amount,
                    reason=None if body.reason is None else body.reason.value,
                    idempotency_key=request.headers.get(HEADER),
                )
            )
            return Response(refund_out(made.payment, made.refund), status_code=201)

        return await idempotent(request, store.id, run)
