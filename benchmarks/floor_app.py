"""The floor: the least a Litestar app on the same server setup and database can do per request.

``POST /floor/webhook`` verifies a ``Stripe-Signature`` exactly as storepay's webhook does
(stripe-python's ``WebhookSignature.verify_header``, then the 300 s tolerance) and inserts one
row. ``POST /floor/intent`` reads a JSON body, makes the one Stripe call create-intent needs
(``POST /v1/payment_intents``, a destination charge to the body's ``destination`` account, on the
same Stripe emulator storepay talks to, through httpx) and inserts one row.

Served by uvicorn like storepay: ``uvicorn --factory benchmarks.floor_app:create_app``, with
``FLOOR_DATABASE_URL``, ``STRIPE_WEBHOOK_SECRET``, ``STRIPE_SECRET_KEY`` and ``STRIPE_API_BASE``
in the environment.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import httpx
import stripe
from litestar import Litestar, Request, post
from litestar.exceptions import HTTPException
from litestar.params import HeaderParameter, RawBody
from sqlalchemy import Column, MetaData, String, Table, Text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy import create_engine
from entrypoints.settings import load_settings

metadata = MetaData()
floor_rows = Table(
    "bench_floor",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("body", Text, nullable=False),
)


def create_app() -> Litestar:
    database_url = os.environ["FLOOR_DATABASE_URL"]
    secret = os.environ["STRIPE_WEBHOOK_SECRET"]
    api_key = os.environ["STRIPE_SECRET_KEY"]
    api_base = os.environ["STRIPE_API_BASE"].rstrip("/")
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        # The pool storepay's settings give the same database.
        pool_size = load_settings({"STOREPAY_DATABASE_URL": database_url}).database_pool_size
        state["engine"] = create_engine(database_url, pool_size=pool_size)
        state["http"] = httpx.AsyncClient(base_url=api_base, timeout=30)
        try:
            yield
        finally:
            await state["http"].aclose()
            await state["engine"].dispose()

    async def insert(row_id: str, body: str) -> None:
        engine: AsyncEngine = state["engine"]
        async with engine.begin() as connection:
            await connection.execute(floor_rows.insert().values(id=row_id, body=body))

    @post("/floor/webhook", status_code=200)
    async def webhook(
        body: RawBody,
        signature: Annotated[
            str | None, HeaderParameter(name="Stripe-Signature", required=False)
        ] = None,
    ) -> dict[str, bool]:
        header = signature or ""
        try:
            stripe.WebhookSignature.verify_header(body, header, secret, tolerance=300)
        except stripe.SignatureVerificationError:
            raise HTTPException(status_code=400, detail="bad signature") from None
        event = json.loads(body)
        await insert(event["id"], body.decode())
        return {"received": True}

    @post("/floor/intent", status_code=200)
    async def intent(request: Request[Any, Any, Any]) -> dict[str, Any]:
        data = await request.json()
        answer = await state["http"].post(
            "/v1/payment_intents",
            data={
                "amount": str(data["amount"]),
                "currency": "eur",
                "transfer_data[destination]": data["destination"],
                "metadata[storepay_order_id]": f"floor{data['order_id']}{time.time_ns()}",
            },
            headers={"Authorization": f"Bearer {api_key}", "Idempotency-Key": data["order_id"]},
        )
        answer.raise_for_status()
        created = answer.json()
        await insert(data["order_id"], created["id"])
        return {"payment_intent_id": created["id"], "client_secret": created["client_secret"]}

    return Litestar(route_handlers=[webhook, intent], lifespan=[lifespan])
