"""Cross-origin calls from the stores' storefronts (``STOREPAY_CORS_ORIGINS``), on the public
storefront routes alone.

Litestar's ``CORSConfig`` applies to a whole app, admin and store routes included; this middleware
sits on the storefront router instead, so only create-intent, the fee preview and the payment
status answer a preflight or an allowed ``Origin``. Every other route answers a browser on any
origin with no ``Access-Control-Allow-*`` header, and the browser keeps the answer from the page.
"""

from __future__ import annotations

from collections.abc import Callable

from litestar.config.cors import CORSConfig
from litestar.datastructures import Headers, MutableScopeHeaders
from litestar.enums import HttpMethod, ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

# What a storefront's script sends: JSON, by GET and POST.
METHODS = [HttpMethod.GET, HttpMethod.POST]
HEADERS = ["content-type"]


def storefront_cors(origins: tuple[str, ...]) -> Callable[[ASGIApp], ASGIApp]:
    """Middleware answering the browsers of ``origins`` on the routes it wraps."""
    config = CORSConfig(
        allow_origins=list(origins), allow_methods=list(METHODS), allow_headers=list(HEADERS)
    )

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            origin = Headers.from_scope(scope).get("origin")
            if origin is None or not config.is_origin_allowed(origin):
                await app(scope, receive, send)
            elif scope["type"] == ScopeType.HTTP and scope["method"] == HttpMethod.OPTIONS:
                await _preflight(config, origin, send)
            else:
                await app(scope, receive, _allowing(origin, send))

        return middleware

    return wrap


async def _preflight(config: CORSConfig, origin: str, send: Send) -> None:
    headers = MutableScopeHeaders()
    for name, value in config.preflight_headers.items():
        headers[name] = value
    headers["Access-Control-Allow-Origin"] = origin
    await send({"type": "http.response.start", "status": 204, "headers": headers.headers})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def _allowing(origin: str, send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableScopeHeaders.from_message(message)
            headers["Access-Control-Allow-Origin"] = origin
            headers.add("Vary", "Origin")
        await send(message)

    return sending
