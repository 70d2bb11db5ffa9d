"""A ``stripe.HTTPClient`` that answers every request with the next of its scripted answers and
remembers what was asked: enough to see how the adapter takes what Stripe says. It answers only
asynchronous requests (stripe-python refuses a synchronous one: no ``request``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import stripe

from adapters.stripe import StripeGateway

SECRET_KEY = "sk_test_51UnitTestSecretKey000000000000000000"
PUBLISHABLE_KEY = "pk_test_51UnitTestPublishableKey00000000000000"
WEBHOOK_SECRET = "whsec_unit_platform"
CONNECT_WEBHOOK_SECRET = "whsec_unit_connect"


class ScriptedStripe(stripe.HTTPClient):
    name = "scripted"

    def __init__(self, *answers: tuple[int, object]) -> None:
        self.closed = False
        super().__init__()
        self._answers = list(answers)
        self.asked: list[Asked] = []

    def close(self) -> None:
        pass

    async def close_async(self) -> None:
        self.closed = True

    async def sleep_async(self, secs: float) -> None:
        pass

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        self.asked.append(Asked(method, url, dict(headers), post_data))
        status, body = self._answers.pop(0)
        return json.dumps(body).encode(), status, {"request-id": "req_unit"}


@dataclass(frozen=True, slots=True)
class Asked:
    method: str
    url: str
    headers: Mapping[str, str]
    body: str | None


def error(status: int, **members: object) -> tuple[int, object]:
    return status, {"error": members}


def gateway_on(transport: stripe.HTTPClient, **options: Any) -> StripeGateway:
    return StripeGateway(
        secret_key=options.pop("secret_key", SECRET_KEY),
        publishable_key=options.pop("publishable_key", PUBLISHABLE_KEY),
        webhook_secret=options.pop("webhook_secret", WEBHOOK_SECRET),
        connect_webhook_secret=CONNECT_WEBHOOK_SECRET,
        http_client=transport,
        **options,
    )
