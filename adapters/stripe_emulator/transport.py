"""The emulator reached by stripe-python in the same process: a ``stripe.HTTPClient`` whose
requests are answered by :class:`~.api.StripeApi` instead of going over a network. The SDK's
encoding, decoding, retries and error classes all run as they do against Stripe."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn
from urllib.parse import urlsplit

import anyio.lowlevel
import msgspec
import stripe

from adapters.stripe_emulator.api import StripeApi

API_BASE = "https://stripe-emulator.invalid"


class EmulatedStripe(stripe.HTTPClient):
    name = "stripe-emulator"

    def __init__(self, api: StripeApi, *, api_base: str = API_BASE) -> None:
        super().__init__()
        self.api = api
        self.api_base = api_base

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> NoReturn:
        raise RuntimeError(f"the Stripe emulator answers only asynchronous calls: {method} {url}")

    def close(self) -> None:
        pass

    async def close_async(self) -> None:
        pass

    async def sleep_async(self, secs: float) -> None:
        """The SDK's wait before it retries (a 409 while an idempotency key is in use)."""
        await anyio.sleep(secs)

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        await anyio.lowlevel.checkpoint()  # concurrent calls interleave, as over a network
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.api_base:
            raise stripe.APIConnectionError(  # type: ignore[no-untyped-call]
                f"the Stripe emulator answers {self.api_base}, not {url}"
            )
        encoded = parts.query if method.upper() == "GET" else _text(post_data)
        status, body, answer_headers = await self.api.answer(method, parts.path, encoded, headers)
        return msgspec.json.encode(body), status, answer_headers


def _text(post_data: Any) -> str:
    if post_data is None:
        return ""
    return post_data.decode() if isinstance(post_data, bytes) else str(post_data)
