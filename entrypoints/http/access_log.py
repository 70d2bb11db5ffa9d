"""Each request observed once: a log line (method, path, status, duration; never headers or
bodies) and the request metrics of :mod:`entrypoints.http.request_metrics`."""

from __future__ import annotations

import logging
import time

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.request_metrics import REQUEST_METRICS

logger = logging.getLogger("storepay.access")


def access_log(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        route = scope.get("path_template", path)  # set by routing
        in_progress = REQUEST_METRICS.started(method, route)
        started = time.perf_counter()
        status = 500  # unless a response starts

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, sending)
        finally:
            seconds = time.perf_counter() - started
            in_progress.dec()
            REQUEST_METRICS.answered(method, route, status, seconds)
            client = scope.get("client")
            logger.info(
                "%s %s %s",
                method,
                path,
                status,
                extra={
                    "method": method,
                    "path": path,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                    "client": client[0] if client else None,
                },
            )

    return middleware
