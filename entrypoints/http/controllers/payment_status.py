"""Where an order's payment stands, for the shopper's return page: public, like the storefront.

Registered in the storefront's router, so the same per-address rate limit applies. It answers
only what the shopper may see (see ``PaymentStatusOut``); an unknown store or order, or an order
of another store, is ``404 not_found`` either way.
"""

from __future__ import annotations

from litestar import Controller, get
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath

from entrypoints.http.dependencies import UseCasesDependency
from entrypoints.http.problems import documented
from entrypoints.http.schemas.payment_status import PaymentStatusOut, payment_status_out


class PaymentStatusController(Controller):
    path = "/platform/stores/{store_id:str}/orders/{order_id:str}"
    tags = ["Storefront"]  # noqa: RUF012
    security = []  # noqa: RUF012  (public: no bearer token)

    @get(
        "/payment-status",
        summary="Where an order's payment stands, for its shopper",
        description=(
            "What the checkout's return page shows while it waits: `status` (`pending`, "
            "`requires_action`, `processing`, `paid`, `failed`), whether it is `final`, and a "
            "`title` and `message` in words. Poll it until `final` is true; it carries no card, "
            "customer or payment details, and never fails for a fee reason. Rate-limited per "
            "address like the storefront."
        ),
        responses=documented(404, 429),
        cache_control=CacheControlHeader(no_store=True),
    )
    async def payment_status(
        self, store_id: FromPath[str], order_id: FromPath[str], use_cases: UseCasesDependency
    ) -> PaymentStatusOut:
        return payment_status_out(await use_cases.show_checkout(store_id, order_id))
