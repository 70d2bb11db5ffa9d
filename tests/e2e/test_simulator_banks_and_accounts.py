"""The simulator's disputes, payouts and requirements over HTTP: what a shopper's bank, the
store's bank and Stripe's onboarding do, followed by their events through the webhook handling,
and each refusal a problem document with its stable code."""

from __future__ import annotations

import time
from typing import Any

import pytest
from litestar.testing import TestClient

from entrypoints.container import Service

from .conftest import API, StoreKey, assert_problem
from .shopping import SUCCEEDS, Marketplace


@pytest.fixture
def market(client: TestClient[Any], service: Service) -> Marketplace:
    return Marketplace(client, service)


def _ready_store(market: Marketplace) -> tuple[StoreKey, str]:
    """A store that takes payments, and its connected account."""
    store = market.ready_store()
    return store, market.set_up_payments(store)


def _paid(market: Marketplace, store: StoreKey) -> dict[str, Any]:
    """A payment of EUR 19.99 that succeeded, as the store sees it."""
    order_id = market.order(store)
    assert market.confirm(market.intent_for(store, order_id), SUCCEEDS)["status"] == "succeeded"
    return market.payment(store, market.order_state(store, order_id)["payment_id"])


def _next_second() -> None:
    """Events are stamped to the second: wait for the next one."""
    started = int(time.time())
    while int(time.time()) == started:
        time.sleep(0.02)


def test_a_bank_disputes_a_charge_and_the_network_decides(
    market: Marketplace, client: TestClient[Any]
) -> None:
    store, _ = _ready_store(market)
    payment = _paid(market, store)
    charge = payment["stripe_charge_id"]

    opened = client.post(
        f"/simulator/charges/{charge}/dispute",
        json={"amount": 1000, "reason": "product_not_received"},
    )

    assert opened.status_code == 201, opened.text
    dispute = opened.json()
    assert {key: dispute[key] for key in ("charge_id", "amount", "currency", "status")} == {
        "charge_id": charge,
        "amount": 1000,
        "currency": "EUR",
        "status": "needs_response",
    }
    assert (dispute["reason"], dispute["is_inquiry"]) == ("product_not_received", False)
    assert market.payment(store, payment["id"])["status"] == "disputed"
    again = client.post(f"/simulator/charges/{charge}/dispute")
    assert_problem(again, 409, "charge_not_disputable")

    won = client.post(f"/simulator/disputes/{dispute['id']}/close", json={"outcome": "won"})

    assert won.status_code == 200, won.text
    assert won.json()["status"] == "won"
    assert market.payment(store, payment["id"])["status"] == "succeeded"
    closed = client.post(f"/simulator/disputes/{dispute['id']}/close", json={"outcome": "lost"})
    assert_problem(closed, 409, "dispute_closed")


def test_an_inquiry_takes_no_money_and_cannot_be_lost(
    market: Marketplace, client: TestClient[Any]
) -> None:
    store, _ = _ready_store(market)
    payment = _paid(market, store)

    inquiry = client.post(
        f"/simulator/charges/{payment['stripe_charge_id']}/dispute", json={"inquiry": True}
    ).json()

    assert (inquiry["status"], inquiry["is_inquiry"], inquiry["amount"]) == (
        "warning_needs_response",
        True,
        1999,
    )
    lost = client.post(f"/simulator/disputes/{inquiry['id']}/close", json={"outcome": "lost"})
    assert_problem(lost, 409, "dispute_is_inquiry")
    closed = client.post(f"/simulator/disputes/{inquiry['id']}/close", json={"outcome": "won"})
    assert closed.json()["status"] == "warning_closed"


def test_a_dispute_is_refused_what_no_bank_could_ask(
    market: Marketplace, client: TestClient[Any]
) -> None:
    store, _ = _ready_store(market)
    charge = _paid(market, store)["stripe_charge_id"]

    assert_problem(client.post("/simulator/charges/ch_missing/dispute"), 404, "not_found")
    too_much = client.post(f"/simulator/charges/{charge}/dispute", json={"amount": 2000})
    assert assert_problem(too_much, 422, "amount_too_large")["field"] == "amount"
    for body in ({"reason": "bored"}, {"amount": 0}, {"amount": "10"}, {"inquiry": "yes"}):
        answer = client.post(f"/simulator/charges/{charge}/dispute", json=body)
        assert_problem(answer, 400, "validation_error")
    unknown = client.post("/simulator/disputes/dp_missing/close", json={"outcome": "won"})
    assert_problem(unknown, 404, "not_found")
    maybe = client.post("/simulator/disputes/dp_missing/close", json={"outcome": "maybe"})
    assert_problem(maybe, 400, "validation_error")


def test_a_connected_account_pays_out_or_its_bank_sends_the_payout_back(
    market: Marketplace, client: TestClient[Any]
) -> None:
    _, account_id = _ready_store(market)

    paid = client.post(f"/simulator/accounts/{account_id}/payouts", json={"amount": 9750})
    failed = client.post(
        f"/simulator/accounts/{account_id}/payouts", json={"amount": 100, "fail": True}
    )

    assert paid.status_code == 201, paid.text
    assert {key: paid.json()[key] for key in ("account_id", "amount", "currency", "status")} == {
        "account_id": account_id,
        "amount": 9750,
        "currency": "EUR",
        "status": "paid",
    }
    assert paid.json()["arrival_date"].endswith("Z")
    assert (failed.json()["status"], failed.json()["failure_code"]) == (
        "failed",
        "could_not_process",
    )
    missing = client.post("/simulator/accounts/acct_missing/payouts", json={"amount": 100})
    assert_problem(missing, 404, "not_found")
    for body in ({"amount": 0}, {}, {"amount": 100, "currency": "EUR"}):
        answer = client.post(f"/simulator/accounts/{account_id}/payouts", json=body)
        assert_problem(answer, 400, "validation_error")


def test_stripe_asks_for_more_and_the_store_stops_taking_payments(
    market: Marketplace, client: TestClient[Any]
) -> None:
    store, account_id = _ready_store(market)
    due = ["individual.verification.document", "external_account"]
    _next_second()  # an account.updated of the same second as onboarding's would not outrank it

    restricted = client.post(
        f"/simulator/accounts/{account_id}/requirements",
        json={"currently_due": due, "disabled_reason": "requirements.past_due"},
    )

    assert restricted.status_code == 200, restricted.text
    assert restricted.json()["charges_enabled"] is False
    assert restricted.json()["requirements"] == {
        "currently_due": due,
        "past_due": due,
        "disabled_reason": "requirements.past_due",
    }
    config = client.get(f"{API}/store/payments/config", headers=store.headers).json()
    assert (config["account_status"], config["accepts_payments"]) == ("restricted", False)
    missing = client.post(
        "/simulator/accounts/acct_missing/requirements", json={"currently_due": due}
    )
    assert_problem(missing, 404, "not_found")
    for body in (
        {"currently_due": due, "disabled_reason": "tired"},
        {"currently_due": ["Not a requirement"]},
        {"currently_due": ["x"] * 51},
    ):
        answer = client.post(f"/simulator/accounts/{account_id}/requirements", json=body)
        assert_problem(answer, 400, "validation_error")
