"""Webhook endpoints over HTTP: the emulator's events POSTed to a service as Stripe's webhooks
reach it, for an emulator that runs apart from the service it serves.

A delivery is the event's JSON body with its ``Stripe-Signature`` header, to the platform
endpoint or, for an event of a connected account, to the Connect endpoint. An answer other than
2xx, or none within ``timeout`` seconds, fails the delivery: the emulator's outbox keeps it and
sends it again, as Stripe retries an endpoint.
"""

from __future__ import annotations

import httpx

DELIVERY_TIMEOUT_SECONDS = 10.0
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


class DeliveryRefused(Exception):
    """The endpoint answered, but not with 2xx."""

    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"{url} answered {status}")
        self.url = url
        self.status = status


class WebhookEndpoints:
    """A service's two webhook endpoints; an instance is the emulator's delivery callback."""

    def __init__(
        self, platform_url: str, connect_url: str, *, timeout: float = DELIVERY_TIMEOUT_SECONDS
    ) -> None:
        self._urls = {False: platform_url, True: connect_url}
        self._client = httpx.AsyncClient(timeout=timeout, headers={"User-Agent": USER_AGENT})

    async def __call__(self, payload: bytes, signature: str, connect: bool) -> None:
        url = self._urls[connect]
        answer = await self._client.post(
            url,
            content=payload,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": signature,
            },
        )
        if not 200 <= answer.status_code < 300:
            raise DeliveryRefused(url, answer.status_code)

    async def aclose(self) -> None:
        await self._client.aclose()
