"""Request bodies that arrive too slowly are cut off.

A client may not hold a request open by sending its body a byte at a time: the whole body must
have arrived ``STOREPAY_REQUEST_BODY_TIMEOUT_SECONDS`` after the request began, or the request is
answered ``408 request_timeout`` (a page for a page) and the connection closed. The clock runs
only while the body is read; the answer's own time is not limited.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send


class BodyTooSlow(HTTPException):
    status_code = 408

    def __init__(self, seconds: float) -> None:
        super().__init__(
            detail=f"the request body did not arrive within {seconds:g} s",
            headers={"Connection": "close"},
        )


def body_deadline(seconds: float) -> Callable[[ASGIApp], ASGIApp]:
    """Middleware: the body of each request must have arrived ``seconds`` after it began."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            deadline = asyncio.get_running_loop().time() + seconds
            whole = False

            async def receiving() -> ReceiveMessage:
                nonlocal whole
                if whole:
                    return await receive()
                try:
                    async with asyncio.timeout_at(deadline):
                        message = await receive()
                except TimeoutError:
                    raise BodyTooSlow(seconds) from None
                whole = message["type"] != "http.request" or not message.get("more_body", False)
                return message

            await app(scope, receiving, send)

        return middleware

    return wrap
