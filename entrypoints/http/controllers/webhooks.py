"""Stripe's webhooks: the platform endpoint and the Connect endpoint.

The body is taken raw, as Stripe signed it: never decoded before the signature is checked.
Every authentic event is answered ``200`` (duplicates and types storepay ignores too); a forged,
stale or malformed one ``400`` with nothing stored; a failure of the database ``503``, so Stripe
sends the event again.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, post
from litestar.params import HeaderParameter, RawBody

from entrypoints.http.dependencies import UseCasesDependency
from entrypoints.http.problems import documented

PLATFORM_WEBHOOK_PATH = "/webhooks/stripe"
CONNECT_WEBHOOK_PATH = f"{PLATFORM_WEBHOOK_PATH}/connect"

# Stripe's events are small, but an event carrying a large object must not be refused for size:
# a refused event is retried for days and then lost.
MAX_EVENT_BYTES = 1024 * 1024

StripeSignature = Annotated[
    str | None,
    HeaderParameter(
        name="Stripe-Signature",
        required=False,
        description="t=<unix time>,v1=<HMAC-SHA256 of 't.body' with the endpoint's secret>",
    ),
]


class Received(msgspec.Struct):
    received: bool


class WebhooksController(Controller):
    path = PLATFORM_WEBHOOK_PATH
    tags = ["Stripe"]  # noqa: RUF012
    security = []  # noqa: RUF012  (public: no bearer token)
    include_in_schema = True

    @post(
        "/",
        status_code=200,
        summary="Events of the platform account",
        description=(
            "200 for every authentic event, duplicates and ignored types included. 400 (code "
            "invalid_event) for a bad or missing signature, a timestamp older than 300 s, or a "
            "body that is not an event; nothing is stored. 503 when the event could not be "
            "stored or applied: send it again."
        ),
        responses=documented(409),
        request_max_body_size=MAX_EVENT_BYTES,
    )
    async def platform(
        self,
        body: RawBody,
        use_cases: UseCasesDependency,
        stripe_signature: StripeSignature = None,
    ) -> Received:
        await use_cases.handle_gateway_event(body, stripe_signature or "", connect=False)
        return Received(received=True)

    @post(
        "/connect",
        status_code=200,
        summary="Events of the stores' connected accounts (they carry `account`)",
        description="The same answers as the platform endpoint, verified with the Connect secret.",
        responses=documented(409),
        request_max_body_size=MAX_EVENT_BYTES,
    )
    async def connect(
        self,
        body: RawBody,
        use_cases: UseCasesDependency,
        stripe_signature: StripeSignature = None,
    ) -> Received:
        await use_cases.handle_gateway_event(body, stripe_signature or "", connect=True)
        return Received(received=True)
