"""The store's balance over HTTP: takings per currency, summed from the ledger."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from entrypoints.container import Service

from .conftest import API, StoreKey, assert_problem, open_store
from .store_support import DECLINED, DISPUTED, onboard, paid_order

BALANCE = f"{API}/store/balance"


def test_a_new_store_has_no_balance(client: TestClient[Any], store: StoreKey) -> None:
    response = client.get(BALANCE, headers=store.headers)
    assert response.status_code == 200
    assert response.json() == {"balances": []}


def test_the_balance_sums_payments_refunds_and_disputes(
    client: TestClient[Any], service: Service, store: StoreKey
) -> None:
    onboard(client, service, store)
    refunded = paid_order(client, service, store, "A-1", 2000)
    paid_order(client, service, store, "A-2", 1000, card=DISPUTED)
    paid_order(client, service, store, "A-3", 700, card=DECLINED)
    refund = client.post(
        f"{API}/store/payments/{refunded}/refunds", json={"amount": 500}, headers=store.headers
    ).json()

    response = client.get(BALANCE, headers=store.headers)
    assert response.status_code == 200
    [eur] = response.json()["balances"]
    assert eur["currency"] == "EUR"
    assert eur["gross_volume"] == 3000
    assert eur["platform_fees"] == 75
    assert eur["refunds"] == 500
    assert eur["disputed"] == 1000
    assert eur["fee_refunds"] >= refund["platform_fee_refunded"]
    assert eur["net"] == (
        eur["gross_volume"]
        - eur["platform_fees"]
        - eur["refunds"]
        + eur["fee_refunds"]
        - eur["disputed"]
    )
    assert eur["net_display"] == f"EUR {eur['net'] // 100}.{eur['net'] % 100:02d}"


def test_a_store_sees_only_its_own_balance(
    client: TestClient[Any], service: Service, store: StoreKey
) -> None:
    onboard(client, service, store)
    paid_order(client, service, store, "A-1", 2000)
    other = open_store(client, "Other Shop")
    assert client.get(BALANCE, headers=other.headers).json() == {"balances": []}
    assert_problem(client.get(BALANCE), 401, "unauthorized")
