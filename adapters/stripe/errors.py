"""Stripe's errors as the port's: ``GatewayUnavailable`` when asking again later may work,
``GatewayError`` when Stripe refused and will refuse again. No stripe type leaves the adapter,
and no message carries an API key."""

from __future__ import annotations

import re

import stripe

from application.gateway import GatewayError, GatewayUnavailable

_API_KEY = re.compile(r"\b(sk|rk)_(test|live)_[0-9A-Za-z*]+")


def redacted(text: str, secret_key: str) -> str:
    """``text`` without the secret key, nor anything shaped like a secret or restricted key."""
    if secret_key:
        text = text.replace(secret_key, "[redacted]")
    return _API_KEY.sub(lambda match: f"{match[1]}_{match[2]}_[redacted]", text)


def gateway_error(error: stripe.StripeError, secret_key: str) -> GatewayError:
    said = error.user_message or "no message"
    if error.request_id:
        said = f"{said} (request {error.request_id})"
    kind, text = _translation(error, said)
    return kind(redacted(text, secret_key))


def _translation(error: stripe.StripeError, said: str) -> tuple[type[GatewayError], str]:
    if isinstance(error, stripe.CardError):
        decline_code = error.error.decline_code if error.error is not None else None
        return GatewayError, (
            f"Stripe declined the card (code {error.code}, decline_code {decline_code}): {said}"
        )
    if isinstance(error, stripe.RateLimitError):
        return GatewayUnavailable, f"Stripe is limiting the rate of requests: {said}"
    if isinstance(error, stripe.APIConnectionError):
        return GatewayUnavailable, f"Stripe could not be reached: {said}"
    if isinstance(error, stripe.APIError):
        return GatewayUnavailable, f"Stripe failed (HTTP {error.http_status}): {said}"
    if isinstance(error, stripe.IdempotencyError):
        return GatewayError, f"Stripe refused an idempotency key used for another request: {said}"
    if isinstance(error, stripe.AuthenticationError):
        return GatewayError, f"Stripe refused the API key: {said}"
    if isinstance(error, stripe.PermissionError):
        return GatewayError, f"Stripe does not permit this request: {said}"
    if isinstance(error, stripe.InvalidRequestError):
        detail = ", ".join(
            f"{name} {value}"
            for name, value in (("code", error.code), ("param", error.param))
            if value
        )
        return GatewayError, f"Stripe refused the request{f' ({detail})' if detail else ''}: {said}"
    return GatewayError, f"Stripe refused the request: {said}"
