"""Bearer tokens: the platform operator's admin token, and each store's API key.

Both are compared in constant time (the store key through its hash). A missing or unknown token is
``401``; which store a key belongs to decides what it can see.
"""

from __future__ import annotations

import hmac
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.spec import Components, SecurityScheme

from application.errors import Unauthorized
from domain.store import Store
from entrypoints.container import Service

BEARER = "bearerAuth"
SECURITY_COMPONENTS = Components(
    security_schemes={
        BEARER: SecurityScheme(
            type="http",
            scheme="bearer",
            description="The platform's admin token, or a store's API key (spk_...).",
        )
    }
)
SECURITY: list[dict[str, list[str]]] = [{BEARER: []}]


def service_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Service:
    service: Service = connection.app.state["service"]
    return service


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send 'Authorization: Bearer <token>'")
    return token.strip()


async def admin_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    token = bearer_token(connection)
    expected = service_of(connection).settings().admin_token
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise Unauthorized("the token is not the platform's admin token")


async def store_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    token = bearer_token(connection)
    store = await service_of(connection).use_cases().authenticate_store(token)
    connection.state["store"] = store


async def authenticated_store(request: ASGIConnection[Any, Any, Any, Any]) -> Store:
    """The store whose API key signed the request (set by :func:`store_only`)."""
    store: Store = request.state["store"]
    return store
