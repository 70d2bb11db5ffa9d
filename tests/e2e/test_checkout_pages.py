"""The shopper's pages over HTTP: the checkout, the return page and the payment status they ask.

What the pages say and send is checked here, without a browser (tests/browser drives them in
Chromium): amounts formatted on the server, words for every state, headers, refusals as pages.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from stripe_emulation import emulated_stripe

from entrypoints.container import Service, build_service
from entrypoints.http.app import create_app
from entrypoints.settings import load_settings

from .conftest import ADMIN_TOKEN, API, StoreKey, assert_problem, open_store, service_for
from .shopping import DECLINED, INSUFFICIENT_FUNDS, REQUIRES_3DS, SHOPPER, SUCCEEDS, Marketplace

CONFIG = re.compile(
    r'<script type="application/json" id="(?:checkout|status)-config">(.*?)</script>'
)


@pytest.fixture
def market(client: TestClient[Any], service: Service) -> Marketplace:
    return Marketplace(client, service)


@pytest.fixture
def shop(market: Marketplace) -> StoreKey:
    return market.ready_store("Ana <b>&</b> Co")


def assert_page(response: Any, status: int, *words: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    html: str = response.text
    assert html.startswith("<!doctype html>")
    assert '<html lang="en">' in html
    assert "<h1" in html
    assert "Traceback" not in html
    for word in words:
        assert word in html, word
    return html


def config_of(html: str) -> dict[str, Any]:
    found = CONFIG.search(html)
    assert found is not None
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def labelled(html: str) -> None:
    """Every input of the page has a label pointing at it."""
    ids = re.findall(r"<input[^>]* id=\"([^\"]+)\"", html)
    assert ids
    for input_id in ids:
        assert f'<label for="{input_id}"' in html, input_id


def status_of(client: TestClient[Any], store: StoreKey, order_id: str) -> dict[str, Any]:
    response = client.get(f"{API}/platform/stores/{store.id}/orders/{order_id}/payment-status")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    shown: dict[str, Any] = response.json()
    return shown


# -- the checkout ---------------------------------------------------------------------------


def test_the_checkout_shows_the_order_its_fees_and_a_test_card_form(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    order_id = market.order(shop, amount=4990, reference="A-1001")
    html = assert_page(
        client.get(f"/checkout/{shop.id}/{order_id}"),
        200,
        "Ana &lt;b&gt;&amp;&lt;/b&gt; Co",
        "A-1001",
        "€49.90",
        "€48.65",  # the store's part
        "€1.25",  # the marketplace's fee: 2.5 % of €49.90, rounded
        "Pay €49.90",
        "s***@example.lu",  # the shopper's e-mail, masked: the page holds no more of it
        "4242 4242 4242 4242",
        "4000 0025 0000 3155",
        'role="alert"',
        'aria-live="polite"',
    )
    assert "<b>" not in html
    assert SHOPPER not in html
    assert 'id="save-card"' not in html  # saving a card takes the shopper signed in
    labelled(html)
    # Card fields have no name: without the script nothing is ever submitted, least of all here.
    assert not re.search(r'<input[^>]*id="card-[^"]*"[^>]*name=', html)
    assert "js.stripe.com" not in html
    config = config_of(html)
    assert config["gateway"] == "simulated"
    assert config["intent_request"] == {
        "order_id": order_id,
        "amount": 4990,
        "currency": "EUR",
    }
    assert config["create_intent_url"] == f"{API}/platform/stores/{shop.id}/payments/create-intent"
    assert config["simulator_url"] == "/simulator/payment_intents/"
    assert config["complete_url"] == f"/checkout/complete?store={shop.id}&order={order_id}"
    assert config["words"]["declines"]["insufficient_funds"].startswith("Your card was declined")
    static = client.get("/static/checkout.js")
    assert static.status_code == 200
    assert "confirmPayment" in static.text
    assert client.get("/static/storepay.css").status_code == 200


@pytest.mark.parametrize(
    ("currency", "amount", "shown"),
    [("JPY", 1000, "¥1,000"), ("KWD", 1500, "KWD\u00a01.500"), ("EUR", 12345678, "€123,456.78")],
)
def test_amounts_are_written_in_the_currency_s_own_way(
    client: TestClient[Any], market: Marketplace, currency: str, amount: int, shown: str
) -> None:
    store = market.ready_store(currency=currency)
    order_id = market.order(store, amount=amount, currency=currency)
    html = assert_page(client.get(f"/checkout/{store.id}/{order_id}"), 200, f"Pay {shown}")
    assert config_of(html)["intent_request"]["amount"] == amount


@pytest.mark.parametrize("address", ["/checkout/store_missing/ord_1", "/checkout/{store}/ord_1"])
def test_an_unknown_store_or_order_is_a_404_page_in_words(
    client: TestClient[Any], shop: StoreKey, address: str
) -> None:
    response = client.get(address.format(store=shop.id))
    assert_page(response, 404, "We could not find this order", "Nothing was charged")


def test_another_store_s_order_is_not_found_either(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    other = market.ready_store("Other store")
    order_id = market.order(other)
    assert_page(client.get(f"/checkout/{shop.id}/{order_id}"), 404, "We could not find")
    assert_problem(
        client.get(f"{API}/platform/stores/{shop.id}/orders/{order_id}/payment-status"),
        404,
        "not_found",
    )


def test_a_paid_order_says_it_is_already_paid(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    order_id = market.order(shop)
    market.confirm(market.intent_for(shop, order_id), SUCCEEDS)
    html = assert_page(
        client.get(f"/checkout/{shop.id}/{order_id}"), 200, "This order is already paid", "€19.99"
    )
    assert 'id="pay-form"' not in html
    assert "complete.js" not in html


def test_a_store_that_cannot_take_payments_says_so(client: TestClient[Any]) -> None:
    store = open_store(client, "Not yet")
    order = client.post(
        f"{API}/store/orders",
        json={"reference": "N-1", "customer_email": SHOPPER, "amount": 500, "currency": "EUR"},
        headers=store.headers,
    ).json()
    html = assert_page(
        client.get(f"/checkout/{store.id}/{order['id']}"), 409, "Payments are not available"
    )
    assert "Not yet cannot take card payments" in html


# -- saved cards ----------------------------------------------------------------------------


def test_a_returning_shopper_signed_in_at_the_store_sees_and_pays_with_a_saved_card(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    first = market.order(shop)
    market.confirm(market.intent_for(shop, first, save_payment_method=True), SUCCEEDS)
    second = market.order(shop, amount=2500)
    token = market.customer_session(shop, second)
    html = assert_page(
        client.get(f"/checkout/{shop.id}/{second}", params={"customer_session": token}),
        200,
        "Pay with",
        "Visa ending in 4242",
        'id="save-card"',
    )
    labelled(html)
    assert re.search(r"Visa ending in 4242, expires \d\d/20\d\d", html)
    assert "4242424242424242" not in html.split("Test cards")[0]  # only the test-card list
    method_id = re.search(r'name="payment-choice" value="(pm_[^"]+)"', html)
    assert method_id is not None
    assert config_of(html)["intent_request"]["customer_session"] == token

    intent = market.intent_for(shop, second, amount=2500, customer_session=token)
    response = client.post(
        f"/simulator/payment_intents/{intent['payment_intent_id']}/confirm",
        json={"client_secret": intent["client_secret"], "payment_method": method_id.group(1)},
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "succeeded"
    assert status_of(client, shop, second)["status"] == "paid"


def test_without_a_customer_session_the_page_offers_no_saved_card(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    first = market.order(shop)
    market.confirm(market.intent_for(shop, first, save_payment_method=True), SUCCEEDS)
    second = market.order(shop, amount=2500)

    html = assert_page(client.get(f"/checkout/{shop.id}/{second}"), 200, "Card number")

    assert "Pay with" not in html
    assert not re.search(r"pm_[A-Za-z0-9]{24}", html)
    assert "customer_session" not in config_of(html)["intent_request"]


def test_the_simulator_takes_a_card_number_or_a_saved_card_of_the_customer_only(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    intent = market.intent_for(shop, market.order(shop))
    confirm = f"/simulator/payment_intents/{intent['payment_intent_id']}/confirm"
    secret = intent["client_secret"]
    for body in (
        {"client_secret": secret},
        {"client_secret": secret, "card_number": SUCCEEDS, "payment_method": "pm_1"},
    ):
        assert_problem(client.post(confirm, json=body), 400, "validation_error")
    assert_problem(
        client.post(confirm, json={"client_secret": secret, "payment_method": "pm_missing"}),
        404,
        "not_found",
    )


# -- where the payment stands ----------------------------------------------------------------


def test_the_payment_status_follows_the_payment_in_words(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    order_id = market.order(shop, amount=4990, reference="S-1")
    shown = status_of(client, shop, order_id)
    assert shown == {
        "order_id": order_id,
        "order_reference": "S-1",
        "status": "pending",
        "final": False,
        "amount": 4990,
        "currency": "EUR",
        "amount_display": "EUR 49.90",
        "title": "Waiting for the payment",
        "message": shown["message"],
    }
    intent = market.intent_for(shop, order_id, amount=4990)
    market.confirm(intent, INSUFFICIENT_FUNDS)
    shown = status_of(client, shop, order_id)
    assert (shown["status"], shown["final"], shown["title"]) == ("failed", True, "Payment failed")
    assert "funds" in shown["message"]
    assert "insufficient_funds" not in json.dumps(shown)
    market.confirm(intent, REQUIRES_3DS)
    market.authenticate(intent, success=True)
    shown = status_of(client, shop, order_id)
    assert (shown["status"], shown["final"], shown["title"]) == ("paid", True, "Payment received")
    for private in (SHOPPER, intent["payment_intent_id"], intent["client_secret"], "pay_"):
        assert private not in json.dumps(shown)


def test_a_payment_waiting_for_3d_secure_is_not_final(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    order_id = market.order(shop)
    market.confirm(market.intent_for(shop, order_id), REQUIRES_3DS)
    shown = status_of(client, shop, order_id)
    assert (shown["status"], shown["final"]) == ("requires_action", False)
    assert shown["title"] == "Waiting for your bank"


def test_a_generic_decline_is_told_without_its_code(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    order_id = market.order(shop)
    market.confirm(market.intent_for(shop, order_id), DECLINED)
    shown = status_of(client, shop, order_id)
    assert shown["message"] == "Your card was declined. Try again, or use another card."


def test_the_payment_status_is_documented_with_its_problems(client: TestClient[Any]) -> None:
    schema = client.get("/schema/openapi.json").json()
    operation = schema["paths"][
        "/api/v1/platform/stores/{store_id}/orders/{order_id}/payment-status"
    ]["get"]
    assert "security" not in operation or operation["security"] == []
    for status in ("404", "429", "503"):
        assert "application/problem+json" in operation["responses"][status]["content"]
    assert "/checkout/{store_id}/{order_id}" in schema["paths"]
    assert "/checkout/complete" in schema["paths"]


# -- the return page -------------------------------------------------------------------------


def test_the_return_page_says_paid_once_paid(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    order_id = market.order(shop, amount=4990)
    html = assert_page(
        client.get("/checkout/complete", params={"store": shop.id, "order": order_id}),
        200,
        "Waiting for the payment",
        'aria-live="polite"',
        "complete.js",
    )
    config = config_of(html)
    assert (
        config["status_url"] == f"{API}/platform/stores/{shop.id}/orders/{order_id}/payment-status"
    )
    assert config["expect_success"] is False
    market.confirm(market.intent_for(shop, order_id, amount=4990), SUCCEEDS)
    html = assert_page(
        client.get(
            "/checkout/complete",
            params={"store": shop.id, "order": order_id, "redirect_status": "succeeded"},
        ),
        200,
        "Payment received",
        "€49.90",
    )
    assert "complete.js" not in html


def test_the_return_page_keeps_asking_when_a_success_overtakes_a_failure(
    client: TestClient[Any], market: Marketplace, shop: StoreKey
) -> None:
    order_id = market.order(shop)
    market.confirm(market.intent_for(shop, order_id), DECLINED)
    params = {"store": shop.id, "order": order_id}
    html = assert_page(client.get("/checkout/complete", params=params), 200, "Payment failed")
    assert "Try again" in html
    assert "complete.js" not in html
    html = assert_page(
        client.get("/checkout/complete", params={**params, "redirect_status": "succeeded"}),
        200,
        "Payment processing",
        "complete.js",
    )
    assert config_of(html)["expect_success"] is True


@pytest.mark.parametrize(
    "params", [{}, {"store": "store_missing", "order": "ord_1"}, {"store": "x"}]
)
def test_the_return_page_of_nothing_is_a_404_page(
    client: TestClient[Any], params: dict[str, str]
) -> None:
    assert_page(client.get("/checkout/complete", params=params), 404, "We could not find")


# -- with Stripe -----------------------------------------------------------------------------


def test_with_stripe_the_checkout_loads_stripe_js_and_no_card_field_of_its_own(
    tmp_path: Path,
) -> None:
    simulated = service_for(tmp_path / "stripe.sqlite3")
    settings = load_settings(
        {
            "STOREPAY_DATABASE_URL": simulated.settings().database_url,
            "STOREPAY_ADMIN_TOKEN": ADMIN_TOKEN,
            "STOREPAY_GATEWAY": "stripe",
            "STOREPAY_PUBLIC_URL": "https://pay.example.com",
            "STRIPE_SECRET_KEY": "sk_test_e2e",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_e2e",
            "STRIPE_WEBHOOK_SECRET": "whsec_e2e",
            "STOREPAY_RECONCILE_INTERVAL_SECONDS": "0",
        }
    )
    service = build_service(settings)
    # No Stripe runs offline: the Stripe adapter talks to the Stripe emulator in its stead.
    stand_in = emulated_stripe(webhook_secret="whsec_e2e", name="stripe")
    with (
        service.adapters.gateway.override(stand_in.gateway),
        TestClient(create_app(service)) as client,
    ):
        market = Marketplace(client, service)
        store = open_store(client)
        account_id = market.set_up_payments(store)
        market.run(stand_in.emulator.complete_onboarding, account_id)
        # The return page asks the gateway where onboarding stands (no webhook here).
        back = stand_in.emulator.latest_onboarding_link(account_id).return_url
        client.get(back.removeprefix("http://127.0.0.1:8000"))
        order_id = market.order(store, amount=4990)
        response = client.get(f"/checkout/{store.id}/{order_id}")
        html = assert_page(response, 200, "€49.90", 'id="payment-element"')
        csp = response.headers["content-security-policy"]
        assert "script-src 'self' https://js.stripe.com" in csp
        assert "frame-src https://js.stripe.com" in csp
        assert '<script src="https://js.stripe.com/v3/" defer></script>' in html
        assert 'id="card-number"' not in html
        assert "Test cards" not in html
        config = config_of(html)
        assert config["gateway"] == "stripe"
        assert config["publishable_key"] == "pk_test_e2e"
        assert config["return_url"] == (
            f"https://pay.example.com/checkout/complete?store={store.id}&order={order_id}"
        )
