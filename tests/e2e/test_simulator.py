"""The simulator over HTTP: the Stripe emulator's test mode, and its absence when none runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from litestar.testing import TestClient
from stripe_emulation import emulated_stripe

from entrypoints.container import Service, build_service
from entrypoints.http.app import create_app
from entrypoints.settings import load_settings

from .conftest import ADMIN, ADMIN_TOKEN, API, assert_problem, open_store, service_for
from .shopping import SUCCEEDS, Marketplace


@pytest.fixture
def market(client: TestClient[Any], service: Service) -> Marketplace:
    return Marketplace(client, service)


@pytest.fixture
def intent(market: Marketplace) -> dict[str, Any]:
    shop = market.ready_store()
    return market.intent_for(shop, market.order(shop))


def _confirm(client: TestClient[Any], intent_id: str, **body: Any) -> Any:
    return client.post(f"/simulator/payment_intents/{intent_id}/confirm", json=body)


def test_a_wrong_client_secret_or_an_unknown_intent_is_not_found_alike(
    client: TestClient[Any], intent: dict[str, Any]
) -> None:
    wrong = _confirm(
        client,
        intent["payment_intent_id"],
        client_secret=intent["client_secret"] + "x",
        card_number=SUCCEEDS,
    )
    unknown = _confirm(
        client, "pi_missing", client_secret=intent["client_secret"], card_number=SUCCEEDS
    )
    assert (
        assert_problem(wrong, 404, "not_found")["detail"]
        == (assert_problem(unknown, 404, "not_found")["detail"])
    )
    authenticate = client.post(
        f"/simulator/payment_intents/{intent['payment_intent_id']}/authenticate",
        json={"client_secret": "pi_other_secret_x", "success": True},
    )
    assert_problem(authenticate, 404, "not_found")


def test_an_intent_in_the_wrong_state_is_a_conflict(
    market: Marketplace, client: TestClient[Any], intent: dict[str, Any]
) -> None:
    not_waiting = client.post(
        f"/simulator/payment_intents/{intent['payment_intent_id']}/authenticate",
        json={"client_secret": intent["client_secret"], "success": True},
    )
    assert_problem(not_waiting, 409, "payment_intent_unexpected_state")
    market.confirm(intent, SUCCEEDS)
    twice = _confirm(
        client,
        intent["payment_intent_id"],
        client_secret=intent["client_secret"],
        card_number=SUCCEEDS,
    )
    problem = assert_problem(twice, 409, "payment_intent_unexpected_state")
    assert "succeeded" in problem["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"card_number": "4242-4242-4242-4242"}, "card_number"),
        ({"card_number": 4242424242424242}, "card_number"),
        ({"card_number": SUCCEEDS, "exp_month": 13}, "exp_month"),
        ({"card_number": SUCCEEDS, "cvc": "123"}, "cvc"),
    ],
)
def test_a_malformed_confirmation_names_its_field(
    client: TestClient[Any], intent: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    response = _confirm(
        client, intent["payment_intent_id"], client_secret=intent["client_secret"], **body
    )
    assert assert_problem(response, 400, "validation_error")["field"] == field


def test_a_card_number_with_spaces_is_accepted_and_never_echoed(
    market: Marketplace, client: TestClient[Any], intent: dict[str, Any]
) -> None:
    response = _confirm(
        client,
        intent["payment_intent_id"],
        client_secret=intent["client_secret"],
        card_number="4000 0025 0000 3155",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "requires_action"
    assert "3155" not in response.text.replace(intent["payment_intent_id"], "")
    assert market.authenticate(intent, success=True)["status"] == "succeeded"


def test_completing_onboarding_lets_the_store_take_payments(
    market: Marketplace, client: TestClient[Any]
) -> None:
    store = open_store(client)
    account_id = market.set_up_payments(store)
    response = client.post(f"/simulator/accounts/{account_id}/complete-onboarding")
    assert response.status_code == 200
    assert response.json() == {
        "id": account_id,
        "charges_enabled": True,
        "payouts_enabled": True,
        "details_submitted": True,
    }
    shown = client.get(f"{API}/admin/stores/{store.id}", headers=ADMIN).json()
    assert shown["payment_config"]["accepts_payments"] is True
    assert_problem(
        client.post("/simulator/accounts/acct_missing/complete-onboarding"), 404, "not_found"
    )


def test_the_hosted_onboarding_stand_in_completes_and_returns_to_the_store(
    market: Marketplace, client: TestClient[Any]
) -> None:
    store = open_store(client, "Ana <b>&</b> Co")
    account_id = market.set_up_payments(store)
    session = market.stripe.latest_onboarding_link(account_id)

    page = client.get(session.url.removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert '<html lang="en">' in html
    assert "<title>" in html
    assert "<h1>" in html
    assert "Ana &lt;b&gt;&amp;&lt;/b&gt; Co" in html
    assert "<b>" not in html
    assert f'<form method="post" action="/simulator/onboarding/{account_id}">' in html
    assert '<button type="submit">Complete onboarding</button>' in html

    done = client.post(f"/simulator/onboarding/{account_id}", follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == session.return_url
    shown = client.get(f"{API}/admin/stores/{store.id}", headers=ADMIN).json()
    assert shown["payment_config"]["account_status"] == "active"
    back = client.get(done.headers["location"].removeprefix("http://127.0.0.1:8000"))
    assert back.status_code == 200
    assert "can take payments" in back.text


def test_an_unknown_account_has_no_onboarding_page(client: TestClient[Any]) -> None:
    page = client.get("/simulator/onboarding/acct_missing")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Traceback" not in page.text
    assert client.post("/simulator/onboarding/acct_missing").status_code == 404


# -- not there on any other gateway ------------------------------------------------------------


# Each with a well-formed body: the answer is 404 because there is no simulator, not a 400.
SIMULATOR_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    (
        "POST",
        "/simulator/payment_intents/pi_1/confirm",
        {"client_secret": "pi_1_secret_x", "card_number": SUCCEEDS},
    ),
    (
        "POST",
        "/simulator/payment_intents/pi_1/authenticate",
        {"client_secret": "pi_1_secret_x", "success": True},
    ),
    ("POST", "/simulator/accounts/acct_1/complete-onboarding", None),
    ("GET", "/simulator/onboarding/acct_1", None),
    ("POST", "/simulator/onboarding/acct_1", None),
]


def test_there_is_no_simulator_when_the_gateway_is_stripe(tmp_path: Path) -> None:
    simulated = service_for(tmp_path / "stripe.sqlite3")
    settings = load_settings(
        {
            "STOREPAY_DATABASE_URL": simulated.settings().database_url,
            "STOREPAY_ADMIN_TOKEN": ADMIN_TOKEN,
            "STOREPAY_GATEWAY": "stripe",
            "STRIPE_SECRET_KEY": "sk_test_e2e",
            "STRIPE_WEBHOOK_SECRET": "whsec_e2e",
        }
    )
    service = build_service(settings)
    # No Stripe runs offline: the Stripe adapter talks to a Stripe emulator in its stead, one
    # the service does not run itself.
    stand_in = emulated_stripe(webhook_secret="whsec_e2e", name="stripe").gateway
    with service.adapters.gateway.override(stand_in), TestClient(create_app(service)) as client:
        for method, path, body in SIMULATOR_CALLS:
            assert client.request(method, path, json=body).status_code == 404, (method, path)
        schema = client.get("/schema/openapi.json").json()
        assert not [path for path in schema["paths"] if path.startswith("/simulator")]
        assert open_store(client).id  # the rest of the service runs


def test_the_simulator_answers_404_if_no_stripe_emulator_runs_behind_the_port(
    service: Service,
) -> None:
    """Settings say simulated, but the gateway behind the port talks to a Stripe the service
    does not run: there is nothing for the simulator to drive."""
    elsewhere = emulated_stripe(webhook_secret="whsec_e2e", name="stripe").gateway
    with (
        service.adapters.stripe_emulator.override(providers.Object(None)),
        service.adapters.gateway.override(elsewhere),
        TestClient(create_app(service)) as client,
    ):
        answers = [
            client.request(method, path, json=body) for method, path, body in SIMULATOR_CALLS
        ]
    assert [answer.status_code for answer in answers] == [404] * len(SIMULATOR_CALLS)
    # Not an unknown intent or account (the pages say no more than "not found"): no simulator.
    problems = [
        a.json() for a in answers if a.headers["content-type"] == "application/problem+json"
    ]
    assert len(problems) == 3
    assert all("STOREPAY_GATEWAY=simulated" in problem["detail"] for problem in problems)
