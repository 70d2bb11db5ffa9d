"""Refunds over HTTP: in part or in full, the platform fee given back in proportion."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from application.use_cases.refund_payment import RefundOrder
from entrypoints.container import Service

from .conftest import API, StoreKey, assert_problem, open_store
from .store_support import DECLINED, DISPUTED, onboard, paid_order

PAYMENTS = f"{API}/store/payments"


@pytest.fixture
def onboarded(client: TestClient[Any], service: Service, store: StoreKey) -> StoreKey:
    onboard(client, service, store)
    return store


@pytest.fixture
def payment_id(client: TestClient[Any], service: Service, onboarded: StoreKey) -> str:
    return paid_order(client, service, onboarded, "A-1", 2000)


def refunds(payment_id: str) -> str:
    return f"{PAYMENTS}/{payment_id}/refunds"


def test_a_partial_refund_gives_back_its_share_of_the_fee(
    client: TestClient[Any], onboarded: StoreKey, payment_id: str
) -> None:
    response = client.post(
        refunds(payment_id),
        json={"amount": 500, "reason": "requested_by_customer"},
        headers=onboarded.headers,
    )
    assert response.status_code == 201, response.text
    refund = response.json()
    assert refund["id"]
    assert refund["amount"] == 500
    assert refund["status"] == "succeeded"
    assert refund["platform_fee_refunded"] == 13  # a quarter of the 50 fee, rounded
    assert refund["store_amount_refunded"] == 487
    assert refund["reason"] == "requested_by_customer"
    assert refund["payment_id"] == payment_id

    payment = client.get(f"{PAYMENTS}/{payment_id}", headers=onboarded.headers).json()
    assert payment["status"] == "partially_refunded"
    assert payment["amount_refunded"] == 500
    assert [r["id"] for r in payment["refunds"]] == [refund["id"]]
    assert payment["refunds"][0]["amount"] == 500
    order = client.get(f"{API}/store/orders/{payment['order_id']}", headers=onboarded.headers)
    assert order.json()["payment_status"] == "partially_refunded"


def test_a_refund_without_an_amount_takes_all_that_is_left(
    client: TestClient[Any], onboarded: StoreKey, payment_id: str
) -> None:
    client.post(refunds(payment_id), json={"amount": 500}, headers=onboarded.headers)
    rest = client.post(refunds(payment_id), headers=onboarded.headers)
    assert rest.status_code == 201, rest.text
    assert rest.json()["amount"] == 1500
    payment = client.get(f"{PAYMENTS}/{payment_id}", headers=onboarded.headers).json()
    assert payment["status"] == "refunded"
    assert payment["amount_refunded"] == 2000
    assert payment["platform_fee_refunded"] == 50
    assert sum(r["platform_fee_refunded"] for r in payment["refunds"]) == 50
    order = client.get(f"{API}/store/orders/{payment['order_id']}", headers=onboarded.headers)
    assert order.json()["payment_status"] == "refunded"
    assert_problem(
        client.post(refunds(payment_id), json={}, headers=onboarded.headers),
        409,
        "payment_not_refundable",
    )


def test_no_more_than_is_left_can_be_refunded(
    client: TestClient[Any], onboarded: StoreKey, payment_id: str
) -> None:
    client.post(refunds(payment_id), json={"amount": 1500}, headers=onboarded.headers)
    assert_problem(
        client.post(refunds(payment_id), json={"amount": 501}, headers=onboarded.headers),
        422,
        "refund_exceeds_remaining",
    )


def test_a_payment_that_did_not_succeed_cannot_be_refunded(
    client: TestClient[Any], service: Service, onboarded: StoreKey
) -> None:
    declined = paid_order(client, service, onboarded, "A-2", card=DECLINED)
    assert_problem(
        client.post(refunds(declined), headers=onboarded.headers), 409, "payment_not_refundable"
    )
    disputed = paid_order(client, service, onboarded, "A-3", card=DISPUTED)
    assert_problem(
        client.post(refunds(disputed), headers=onboarded.headers), 409, "payment_not_refundable"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": -100}, "amount"),
        ({"amount": "100"}, "amount"),
        ({"amount": 1.5}, "amount"),
        ({"reason": "changed_my_mind"}, "reason"),
        ({"metadata": {}}, "metadata"),
    ],
)
def test_a_refund_is_validated_at_the_edge(
    client: TestClient[Any],
    onboarded: StoreKey,
    payment_id: str,
    body: dict[str, Any],
    field: str,
) -> None:
    problem = assert_problem(
        client.post(refunds(payment_id), json=body, headers=onboarded.headers),
        400,
        "validation_error",
    )
    assert problem["field"] == field


def test_another_stores_payment_cannot_be_refunded(
    client: TestClient[Any], service: Service, payment_id: str
) -> None:
    other = open_store(client, "Other Shop")
    onboard(client, service, other)
    assert_problem(client.post(refunds(payment_id), headers=other.headers), 404, "not_found")
    assert_problem(client.post(refunds("pay_missing"), headers=other.headers), 404, "not_found")
    assert_problem(client.post(refunds(payment_id), json={"amount": 100}), 401, "unauthorized")


def test_a_retried_refund_is_made_once(
    client: TestClient[Any], onboarded: StoreKey, payment_id: str
) -> None:
    headers = {**onboarded.headers, "Idempotency-Key": "refund-A-1-part"}
    first = client.post(refunds(payment_id), json={"amount": 500}, headers=headers)
    again = client.post(refunds(payment_id), json={"amount": 500}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    payment = client.get(f"{PAYMENTS}/{payment_id}", headers=onboarded.headers).json()
    assert len(payment["refunds"]) == 1
    assert payment["amount_refunded"] == 500
    assert_problem(
        client.post(refunds(payment_id), json={"amount": 600}, headers=headers),
        409,
        "idempotency_key_reused",
    )


def test_a_refund_whose_answer_was_lost_is_not_made_twice(
    client: TestClient[Any], service: Service, onboarded: StoreKey, payment_id: str
) -> None:
    """The refund was made, but the answer never reached the store (nor the replay store)."""

    async def refund_without_answer() -> str:
        made = await service.use_cases().refund_payment(
            RefundOrder(
                store_id=onboarded.id,
                payment_id=payment_id,
                amount=500,
                idempotency_key="refund-lost-answer",
            )
        )
        return made.refund.id

    refund_id = client.blocking_portal.call(refund_without_answer)
    retried = client.post(
        refunds(payment_id),
        json={"amount": 500},
        headers={**onboarded.headers, "Idempotency-Key": "refund-lost-answer"},
    )
    assert retried.status_code == 201, retried.text
    assert retried.json()["id"] == refund_id
    payment = client.get(f"{PAYMENTS}/{payment_id}", headers=onboarded.headers).json()
    assert [r["id"] for r in payment["refunds"]] == [refund_id]
