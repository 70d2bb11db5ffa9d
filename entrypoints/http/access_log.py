"""Each request observed once: a log line (method, path, status, duration; never headers or
bodies) and the request metrics of :mod:`entrypoints.http.request_metrics`.

:func:`observe_answers` wraps the whole app, outside routing and exception handling, so the status
observed is the one the client received: a routing 404 or 405, or a rate limit's 429, turned into
answers by Litestar's exception handling, are seen as such. A client that disconnects before its
answer was sent is logged and counted as 499 (nginx's "client closed request"), not as the 500
sent to nobody; storepay notices it when it reads the request's body, or when sending fails.
"""

from __future__ import annotations

import logging
import time

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.request_metrics import REQUEST_METRICS

logger = logging.getLogger("storepay.access")

CLIENT_CLOSED_REQUEST = 499
UNMATCHED = "unmatched"  # the route label of a path no route matches: never the path itself
# The method is the client's text too: any other is counted as OTHER.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def observe_answers(app: Litestar) -> None:
    """Observe every answer of ``app``, outside its routing and exception handling."""
    app.asgi_handler = access_log(app.asgi_handler)


def access_log(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        method = scope["method"]
        method_label = method if method in METHODS else "OTHER"
        in_progress = REQUEST_METRICS.started(method_label)
        started = time.perf_counter()
        status = 500  # unless a response starts: the server answers 500 for an app that fails
        answered = gone = False

        async def receiving() -> Message:
            nonlocal gone
            message = await receive()
            if message["type"] == "http.disconnect" and not answered:
                gone = True
            return message  # type: ignore[return-value]

        async def sending(message: Message) -> None:
            nonlocal status, answered, gone
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                answered = True
            try:
                await send(message)
            except OSError:
                gone = True
                raise

        try:
            await app(scope, receiving, sending)  # type: ignore[arg-type]
        finally:
            seconds = time.perf_counter() - started
            in_progress.dec()
            if gone:
                status = CLIENT_CLOSED_REQUEST
            # Set by routing; path parameters stay out of the label.
            route = scope.get("path_template") or UNMATCHED
            path = scope["path"]  # as routing normalised it
            REQUEST_METRICS.answered(method_label, route, status, seconds)
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
