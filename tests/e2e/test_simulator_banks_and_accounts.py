"""The simulator's disputes, payouts and requirements over HTTP: what a shopper's bank, the
store's bank and Stripe's onboarding do, followed by their events through the webhook handling,
and each refusal a problem document with its stable code."""

from __future__ import annotations

import time
from typing import Any

from litestar.testing import TestClient

from .conftest import API, StoreKey, assert_problem, open_store

SUCCEEDS = "4242424242424242"


def _ready_store(client: TestClient[Any], name: str = "Atelier Ana") -> tuple[StoreKey, str]:
    store = open_store(client, name)
    setup = client.post(f"{API}/store/payments/setup", json={}, headers=store.headers)
    assert setup.status_code == 200, setup.text
    account_id: str = setup.json()["stripe_account_id"]
    done = client.post(f"/simulator/accounts/{account_id}/complete-onboarding")
    assert done.status_code == 200, done.text
    return store, account_id


def _paid(client: TestClient[Any], store: StoreKey, reference: str) -> dict[str, Any]:
    order = client.post(
        f"{API}/store/orders",
        json={
            "reference": reference,
            "customer_email": "shopper@example.lu",
            "amount": 1999,
            "currency": "EUR",
        },
        headers=store.headers,
    ).json()
    intent = client.post(
        f"{API}/platform/stores/{store.id}/payments/create-intent",
        json={"order_id": order["id"], "amount": 1999, "customer_email": "shopper@example.lu"},
    ).json()
    confirmed = client.post(
        f"/simulator/payment_intents/{intent['payment_intent_id']}/confirm",
        json={"client_secret": intent["client_secret"], "card_number": SUCCEEDS},
    )
    assert confirmed.json()["status"] == "succeeded", confirmed.text
    return _payment_of(client, store, order["id"])


def _next_second() -> None:
    """Events are stamped to the second: wait for the next one."""
    started = int(time.time())
    while int(time.time()) == started:
        time.sleep(0.02)


def _payment_of(client: TestClient[Any], store: StoreKey, order_id: str) -> dict[str, Any]:
    order = client.get(f"{API}/store/orders/{order_id}", headers=store.headers).json()
    payment: dict[str, Any] = client.get(
        f"{API}/store/payments/{order['payment_id']}", headers=store.headers
    ).json()
    return payment


def test_a_bank_disputes_a_charge_and_the_network_decides(client: TestClient[Any]) -> None:
    store, _ = _ready_store(client)
    payment = _paid(client, store, "A-1")
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
    assert _payment_of(client, store, payment["order_id"])["status"] == "disputed"
    again = client.post(f"/simulator/charges/{charge}/dispute")
    assert_problem(again, 409, "charge_not_disputable")

    won = client.post(f"/simulator/disputes/{dispute['id']}/close", json={"outcome": "won"})

    assert won.status_code == 200, won.text
    assert won.json()["status"] == "won"
    assert _payment_of(client, store, payment["order_id"])["status"] == "succeeded"
    closed = client.post(f"/simulator/disputes/{dispute['id']}/close", json={"outcome": "lost"})
    assert_problem(closed, 409, "dispute_closed")


def test_an_inquiry_takes_no_money_and_cannot_be_lost(client: TestClient[Any]) -> None:
    store, _ = _ready_store(client)
    payment = _paid(client, store, "A-2")

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


def test_a_dispute_is_refused_what_no_bank_could_ask(client: TestClient[Any]) -> None:
    store, _ = _ready_store(client)
    charge = _paid(client, store, "A-3")["stripe_charge_id"]

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
    client: TestClient[Any],
) -> None:
    _, account_id = _ready_store(client)

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
    client: TestClient[Any],
) -> None:
    store, account_id = _ready_store(client)
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
