"""The store back office as the OpenAPI document describes it."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from .conftest import API

STORE_OPERATIONS = {
    ("get", "/store/payments/config"),
    ("post", "/store/payments/setup"),
    ("post", "/store/payments/onboarding-link"),
    ("patch", "/store/payments/settings"),
    ("post", "/store/orders"),
    ("get", "/store/orders/{order_id}"),
    ("get", "/store/payments"),
    ("get", "/store/payments/{payment_id}"),
    ("post", "/store/payments/{payment_id}/refunds"),
    ("get", "/store/balance"),
    ("get", "/store/customers/{customer_email}/payment-methods"),
    ("post", "/store/customers/{customer_email}/payment-methods/{payment_method_id}/default"),
    ("delete", "/store/customers/{customer_email}/payment-methods/{payment_method_id}"),
}


def test_every_store_operation_is_documented_behind_the_bearer_key(
    client: TestClient[Any],
) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    for method, path in STORE_OPERATIONS:
        operation = paths[f"{API}{path}"][method]
        assert operation["security"] == [{"bearerAuth": []}], path
        assert "401" in operation["responses"], path
        problem = operation["responses"]["401"]["content"]
        assert "application/problem+json" in problem, path
        headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert headers == (["Idempotency-Key"] if method == "post" else []), path


def test_bodies_that_may_be_left_out_are_documented_optional(client: TestClient[Any]) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    assert paths[f"{API}/store/payments/setup"]["post"]["requestBody"]["required"] is False
    refunds = paths[f"{API}/store/payments/{{payment_id}}/refunds"]["post"]
    assert refunds["requestBody"]["required"] is False
    assert paths[f"{API}/store/orders"]["post"]["requestBody"]["required"] is True
