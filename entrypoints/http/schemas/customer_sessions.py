"""A customer session on the wire: the token a store hands its signed-in shopper's checkout."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

import msgspec

from application.customer_sessions import MAX_TOKEN_LENGTH
from application.use_cases.create_customer_session import IssuedCustomerSession
from entrypoints.http.schemas.common import timestamp

CustomerSessionToken = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=MAX_TOKEN_LENGTH,
        pattern="^[A-Za-z0-9_-]+$",
        description=(
            "A customer session the store's backend asked for once its shopper signed in "
            "(`POST /api/v1/store/orders/{order_id}/customer-session`): it proves the shopper, "
            "once, for this order, for 15 minutes."
        ),
        examples=["spcs_3q2-7wEJ..."],
    ),
]


class CustomerSessionOut(msgspec.Struct):
    customer_session: Annotated[
        str,
        msgspec.Meta(
            description=(
                "The token: give it to this order's checkout and nobody else. It is shown here "
                "only (storepay keeps its hash), works once and expires at `expires_at`."
            )
        ),
    ]
    expires_at: str
    order_id: str
    checkout_url: Annotated[
        str,
        msgspec.Meta(
            description="The order's checkout page with the token: send the shopper's browser here."
        ),
    ]


def customer_session_out(issued: IssuedCustomerSession, public_url: str) -> CustomerSessionOut:
    store, order = quote(issued.store_id, safe=""), quote(issued.order_id, safe="")
    query = urlencode({"customer_session": issued.token})
    return CustomerSessionOut(
        customer_session=issued.token,
        expires_at=timestamp(issued.expires_at) or "",
        order_id=issued.order_id,
        checkout_url=f"{public_url.rstrip('/')}/checkout/{store}/{order}?{query}",
    )
