"""A fast, stateless-enough fake of the few Stripe API calls the benchmarks make storepay do.

Not an emulator: it answers ``POST /v1/accounts`` (an account already able to take charges),
``POST|GET /v1/accounts/{id}``, ``POST /v1/account_links``, ``POST /v1/payment_intents`` and
``GET /v1/payment_intents/{id}`` with Stripe-shaped JSON, and keeps nothing but the intents it
made. A payment intent's id is derived from the ``storepay_order_id`` in its metadata, so the
runner knows which intent each order got without reading the answers.

Served by uvicorn as a plain ASGI app: ``python -m benchmarks.fake_stripe --port 12111``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from typing import Any
from urllib.parse import parse_qsl

Scope = dict[str, Any]
_counter = itertools.count(1)
_intents: dict[str, dict[str, Any]] = {}
_accounts: dict[str, dict[str, Any]] = {}


def intent_id_for(order_id: str) -> str:
    """The id this fake gives the intent of ``order_id``."""
    return "pi_" + order_id.replace("_", "")


def _form(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


def _metadata(form: dict[str, str]) -> dict[str, str]:
    return {key[9:-1]: value for key, value in form.items() if key.startswith("metadata[")}


def _account(account_id: str, metadata: dict[str, str] | None = None) -> dict[str, Any]:
    return _accounts.setdefault(
        account_id,
        {
            "id": account_id,
            "object": "account",
            "charges_enabled": True,
            "payouts_enabled": True,
            "details_submitted": True,
            "requirements": {"currently_due": [], "past_due": [], "disabled_reason": None},
            "metadata": metadata or {},
        },
    )


def _new_intent(form: dict[str, str]) -> dict[str, Any]:
    metadata = _metadata(form)
    order_id = metadata.get("storepay_order_id") or f"n{next(_counter)}"
    intent_id = intent_id_for(order_id)
    intent = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": int(form["amount"]),
        "currency": form["currency"],
        "status": "requires_payment_method",
        "client_secret": f"{intent_id}_secret_bench",
        "latest_charge": None,
        "last_payment_error": None,
        "created": int(time.time()),
        "livemode": False,
        "metadata": metadata,
    }
    _intents[intent_id] = intent
    return intent


def _route(method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
    parts = path.strip("/").split("/")
    if parts[:1] != ["v1"]:
        return 404, {"error": {"type": "invalid_request_error", "message": "not found"}}
    parts = parts[1:]
    if parts == ["payment_intents"] and method == "POST":
        return 200, _new_intent(_form(body))
    if len(parts) == 2 and parts[0] == "payment_intents" and parts[1] in _intents:
        return 200, _intents[parts[1]]
    if parts == ["accounts"] and method == "POST":
        form = _form(body)
        return 200, _account(f"acct_bench{next(_counter)}", _metadata(form))
    if len(parts) == 2 and parts[0] == "accounts":
        return 200, _account(parts[1])
    if parts == ["account_links"] and method == "POST":
        return 200, {
            "object": "account_link",
            "url": "https://connect.example/setup",
            "created": int(time.time()),
            "expires_at": int(time.time()) + 300,
        }
    return 404, {"error": {"type": "invalid_request_error", "message": f"no {method} {path}"}}


async def app(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    status, document = _route(scope["method"], scope["path"], body)
    payload = json.dumps(document).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"request-id", b"req_bench"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=12111)
    arguments = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=arguments.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
