"""The emulator over HTTP: an ASGI app answering Stripe's API as :class:`~.api.StripeApi` answers
in process (:mod:`.transport`), for a server such as uvicorn.

Over HTTP the emulator answers an API call as Stripe does, without waiting for the webhooks it
causes: they follow, in order. A service whose webhook handling calls the API (a request of its
own, while the delivery it handles waits for its answer) is never left waiting for itself. A
test-mode step (a shopper's confirm, onboarding, a dispute) still answers once its events have
been delivered, as the simulator promises.

A GET's parameters are its query string, any other request's its form body, as stripe-python
sends them; the answer is the JSON body, status and headers ``StripeApi`` gives. A body past
``MAX_BODY_BYTES`` is refused as Stripe refuses one, without reading the rest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from typing import Any

import msgspec

from adapters.stripe_emulator.api import StripeApi
from adapters.stripe_emulator.records import JSON
from adapters.stripe_emulator.requests import EmulatorError

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

MAX_BODY_BYTES = 1024 * 1024


class _TooLarge(Exception):
    pass


class StripeApiApp:
    """``api`` served over HTTP; ``on_shutdown`` runs when the server stops (the emulator's
    redeliveries, the connections its webhooks use)."""

    def __init__(
        self, api: StripeApi, *, on_shutdown: Sequence[Callable[[], Awaitable[None]]] = ()
    ) -> None:
        self.api = api
        self._on_shutdown = tuple(on_shutdown)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            raise RuntimeError(f"the Stripe emulator answers HTTP only, not {scope['type']}")
        method: str = scope["method"]
        try:
            body = await _body(receive)
            encoded = scope["query_string"] if method.upper() == "GET" else body
            status, document, headers = await self.api.answer(
                method,
                scope["path"],
                encoded.decode(),
                _headers(scope),
                api_waits_for_events=False,
            )
        except _TooLarge:
            status, document, headers = _refused(
                EmulatorError(
                    f"A request body may hold at most {MAX_BODY_BYTES} bytes.", status=413
                )
            )
        except UnicodeDecodeError:
            status, document, headers = _refused(
                EmulatorError("The request is not UTF-8 form data.", status=400)
            )
        await _answer(send, status, document, headers)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for stop in self._on_shutdown:
                    await stop()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}


def _refused(error: EmulatorError) -> tuple[int, JSON, dict[str, str]]:
    return error.status, error.to_stripe(), {}


async def _answer(send: Send, status: int, document: JSON, headers: Mapping[str, str]) -> None:
    payload = msgspec.json.encode(document)
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        *((name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})
