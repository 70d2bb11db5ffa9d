"""storepay on its real Stripe adapter, end to end over its HTTP API, against an emulated Stripe.

``storepay serve`` runs with ``STOREPAY_GATEWAY=stripe`` and ``STRIPE_API_BASE`` pointing at the
Stripe emulator of ``stripe_emulator/``: localstripe (a third-party, stateful fake Stripe server
from PyPI) behind a proxy that teaches it Connect. A store opens, sets up payments, finishes
onboarding, takes a card payment and refunds part of it; a declining card leaves its order unpaid.

What the emulator covers:
- storepay's Stripe adapter and the stripe SDK for real: the SDK's request encoding, idempotency
  keys (replayed, and refused with other parameters), error classes, and webhook signatures
  verified by the SDK with the platform and the Connect endpoint secrets;
- payment intents, charges, customers, payment methods and refunds kept by localstripe, which
  holds the amounts and statuses; the shopper confirms against it as Stripe.js would (publishable
  key and client secret), and its own ``payment_intent.*`` events reach storepay: registered at
  localstripe (``POST /_config/webhooks/{id}``) to the proxy, which gives them today's shape
  (localstripe's are a 2017 API version's, the charge expanded) and signs them again with the
  platform endpoint's secret;
- Connect as the proxy answers it: Express accounts (capabilities, requirements, payout schedule),
  single-use account links and a hosted onboarding page, ``account.updated`` sent to the Connect
  endpoint; destination charges checked as Stripe checks them (the destination must exist and
  take transfers; a fee needs a destination) and their ``application_fee_amount`` /
  ``transfer_data`` remembered per intent; refunds' ``refund_application_fee`` /
  ``reverse_transfer`` remembered per refund, over-refunds refused;
- ``refund.created`` and ``charge.refunded`` events, sent by the proxy (localstripe sends none).

What it does not:
- no money moves between accounts: there are no application fee, transfer or transfer reversal
  objects, only the proxy's record of the numbers (fees given back in proportion, rounded half
  up: Stripe does not document its rounding);
- no disputes, payouts, balances or Connect reporting; no 3-D Secure beyond localstripe's own;
  no asynchronous refunds (every refund succeeds at once) and no refund failures;
- a declined attempt cannot be retried on the same intent (localstripe keeps the failed charge);
  Stripe's declining cards are charged at localstripe as the one number it declines and answered
  with their own decline code;
- events are delivered by the proxy, signed with the endpoint secrets, and retried a few times
  within seconds, not for days; their order is what localstripe and the proxy make it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from stripe_emulator import Delivery, EmulatorServer, LocalStripe, StripeEmulator, WebhookEndpoint

STOREPAY = Path(sys.executable).with_name("storepay")
ADMIN_TOKEN = "spa_emulated_stripe_admin_token"
SECRET_KEY = "sk_test_storepay_emulated"
PUBLISHABLE_KEY = "pk_test_storepay_emulated"
WEBHOOK_SECRET = "whsec_storepay_platform_endpoint"
CONNECT_WEBHOOK_SECRET = "whsec_storepay_connect_endpoint"
API = "/api/v1"
SHOPPER = "shopper@example.lu"
WAIT_SECONDS = 20

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Stack:
    storepay: httpx.Client
    base: str
    emulator: StripeEmulator
    stripe_url: str
    localstripe: LocalStripe
    log: Path

    def diagnostics(self) -> str:
        return (
            f"\n--- emulator ---\n{chr(10).join(self.emulator.journal[-40:])}"
            f"\n--- localstripe ---\n{self.localstripe.log()[-3000:]}"
            f"\n--- storepay ---\n{self.log.read_text()[-3000:]}"
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    work = tmp_path_factory.mktemp("emulated_stripe")
    with LocalStripe(work / "localstripe.log") as localstripe:
        emulator = StripeEmulator(localstripe.url)
        with EmulatorServer(emulator) as stripe_server:
            port = _free_port()
            base = f"http://127.0.0.1:{port}"
            emulator.platform_endpoint = WebhookEndpoint(f"{base}/webhooks/stripe", WEBHOOK_SECRET)
            emulator.connect_endpoint = WebhookEndpoint(
                f"{base}/webhooks/stripe/connect", CONNECT_WEBHOOK_SECRET
            )
            # localstripe's own events reach storepay through the proxy (see StripeEmulator).
            localstripe.register_webhook("storepay", emulator.relay_url, emulator.relay_secret)
            environment = {
                name: value
                for name, value in os.environ.items()
                if not name.startswith(("STOREPAY_", "STRIPE_"))
            }
            environment.update(
                STOREPAY_DATABASE_URL=f"sqlite+aiosqlite:///{work / 'storepay.db'}",
                STOREPAY_ADMIN_TOKEN=ADMIN_TOKEN,
                STOREPAY_PUBLIC_URL=base,
                STOREPAY_RECONCILE_INTERVAL_SECONDS="0",
                STOREPAY_GATEWAY="stripe",
                STRIPE_SECRET_KEY=SECRET_KEY,
                STRIPE_PUBLISHABLE_KEY=PUBLISHABLE_KEY,
                STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                STRIPE_CONNECT_WEBHOOK_SECRET=CONNECT_WEBHOOK_SECRET,
                STRIPE_API_BASE=stripe_server.url,
            )
            log = work / "storepay.log"
            with (
                log.open("w") as output,
                subprocess.Popen(
                    [str(STOREPAY), "serve", "--port", str(port)],
                    env=environment,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                ) as process,
                httpx.Client(base_url=base, timeout=30) as client,
            ):
                try:
                    _wait_until_up(client, process, log)
                    yield Stack(client, base, emulator, stripe_server.url, localstripe, log)
                finally:
                    process.terminate()
                    process.wait(timeout=30)


def _wait_until_up(client: httpx.Client, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if client.get("/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"storepay serve did not come up:\n{log.read_text()}")
        time.sleep(0.2)


def eventually(read: Callable[[], T], done: Callable[[T], bool], stack: Stack) -> T:
    """``read()`` once ``done`` holds of it (events arrive a second or so after the fact)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still {value!r}{stack.diagnostics()}")
        time.sleep(0.1)


@dataclass(frozen=True, slots=True)
class Store:
    id: str
    headers: dict[str, str]


def open_store(stack: Stack, name: str) -> Store:
    created = stack.storepay.post(
        f"{API}/admin/stores",
        json={"name": name, "business_email": "owner@shop.example", "country": "LU"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    return Store(body["id"], {"Authorization": f"Bearer {body['api_key']}"})


def get(stack: Stack, store: Store, path: str) -> dict[str, Any]:
    answer = stack.storepay.get(f"{API}{path}", headers=store.headers)
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    return document


def register_order(stack: Stack, store: Store, reference: str, amount: int) -> str:
    order = stack.storepay.post(
        f"{API}/store/orders",
        json={
            "reference": reference,
            "customer_email": SHOPPER,
            "amount": amount,
            "currency": "EUR",
        },
        headers=store.headers,
    )
    assert order.status_code == 201, order.text
    order_id: str = order.json()["id"]
    return order_id


def create_intent(stack: Stack, store: Store, order_id: str, amount: int) -> dict[str, Any]:
    answer = stack.storepay.post(
        f"{API}/platform/stores/{store.id}/payments/create-intent",
        json={"order_id": order_id, "amount": amount, "customer_email": SHOPPER},
    )
    assert answer.status_code == 200, answer.text + stack.diagnostics()
    intent: dict[str, Any] = answer.json()
    return intent


def confirm_in_browser(stack: Stack, intent: dict[str, Any], **card: str) -> httpx.Response:
    """What Stripe.js posts from the checkout page: the publishable key storepay handed out, the
    intent's client secret, and the card (a test payment method, or a number typed in)."""
    form = {
        "key": intent["publishable_key"],
        "client_secret": intent["client_secret"],
        "return_url": "https://shop.example/checkout/complete",
    }
    if "number" in card:
        form |= {
            "payment_method_data[type]": "card",
            "payment_method_data[card][number]": card["number"],
            "payment_method_data[card][exp_month]": "12",
            "payment_method_data[card][exp_year]": "2034",
            "payment_method_data[card][cvc]": "123",
        }
    else:
        form["payment_method"] = card["payment_method"]
    with httpx.Client(base_url=stack.stripe_url, timeout=30) as browser:
        return browser.post(f"/v1/payment_intents/{intent['payment_intent_id']}/confirm", data=form)


def onboard(stack: Stack, store: Store) -> str:
    """Payments set up, and Stripe's hosted onboarding finished by the store's owner."""
    setup = stack.storepay.post(f"{API}/store/payments/setup", headers=store.headers)
    assert setup.status_code == 200, setup.text + stack.diagnostics()
    account_id: str = setup.json()["stripe_account_id"]
    with httpx.Client(timeout=30, follow_redirects=True) as browser:
        page = browser.get(setup.json()["onboarding_url"])
        assert page.status_code == 200, page.text
        assert "/_emulator/onboarding/" in str(page.url)
        returned = browser.post(f"{page.url}/complete")
        assert returned.status_code == 200, returned.text
        assert str(returned.url).startswith(f"{stack.base}/onboarding/{store.id}/return?")
    return account_id


def test_a_store_onboards_takes_a_card_payment_and_refunds_part_of_it(stack: Stack) -> None:
    store = open_store(stack, "Boulangerie Emulée")

    # Setting up payments creates the store's Express account at "Stripe".
    account_id = onboard(stack, store)
    account = stack.emulator.accounts[account_id]
    assert account["metadata"] == {"storepay_store_id": store.id}
    assert account["controller"]["stripe_dashboard"] == {"type": "express"}
    assert set(account["capabilities"]) == {"card_payments", "transfers"}
    # Onboarding finished: account.updated came to the Connect endpoint, signed with its secret.
    updated = stack.emulator.delivered("account.updated")
    assert {delivery.url for delivery in updated} == {f"{stack.base}/webhooks/stripe/connect"}
    assert [delivery.status for delivery in updated] == [200] * len(updated)
    config = eventually(
        lambda: get(stack, store, "/store/payments/config"),
        lambda config: config["account_status"] == "active",
        stack,
    )
    assert config["stripe_account_id"] == account_id
    assert config["accepts_payments"] is True

    # The payout schedule lives on the connected account.
    changed = stack.storepay.patch(
        f"{API}/store/payments/settings", json={"payout_schedule": "weekly"}, headers=store.headers
    )
    assert changed.status_code == 200, changed.text + stack.diagnostics()
    assert account["settings"]["payouts"]["schedule"]["interval"] == "weekly"

    # The shopper checks out: a destination charge with the platform's fee.
    order_id = register_order(stack, store, "BE-1001", 5000)
    intent = create_intent(stack, store, order_id, 5000)
    assert intent["gateway"] == "stripe"
    assert intent["publishable_key"] == PUBLISHABLE_KEY
    assert (intent["amount_total"], intent["platform_fee"], intent["amount_store"]) == (
        5000,
        125,
        4875,
    )
    at_localstripe = stack.localstripe.get(f"/v1/payment_intents/{intent['payment_intent_id']}")
    assert (at_localstripe["amount"], at_localstripe["currency"]) == (5000, "eur")
    assert at_localstripe["status"] == "requires_payment_method"
    created = stack.emulator.seen("POST", "/v1/payment_intents")[-1]
    assert created.params["application_fee_amount"] == "125"
    assert created.params["transfer_data"] == {"destination": account_id}
    assert created.stripe_account is None  # a destination charge is the platform's
    assert created.idempotency_key

    paid = confirm_in_browser(stack, intent, payment_method="pm_card_visa")
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "succeeded"

    # localstripe announces payment_intent.succeeded; the order is paid.
    order = eventually(
        lambda: get(stack, store, f"/store/orders/{order_id}"),
        lambda order: order["payment_status"] == "paid",
        stack,
    )
    assert order["status"] == "processing"
    payment = get(stack, store, f"/store/payments/{order['payment_id']}")
    assert payment["status"] == "succeeded"
    assert payment["stripe_payment_intent_id"] == intent["payment_intent_id"]
    assert payment["stripe_charge_id"] == paid.json()["latest_charge"]
    assert (payment["amount_total"], payment["amount_platform_fee"]) == (5000, 125)
    assert delivered(stack, "payment_intent.succeeded", intent["payment_intent_id"]).status == 200

    # A partial refund: the fee given back and the transfer reversed, in proportion.
    refund = stack.storepay.post(
        f"{API}/store/payments/{payment['id']}/refunds",
        json={"amount": 1000, "reason": "requested_by_customer"},
        headers=store.headers,
    )
    assert refund.status_code == 201, refund.text + stack.diagnostics()
    assert refund.json()["amount"] == 1000
    assert refund.json()["platform_fee_refunded"] == 25
    assert refund.json()["store_amount_refunded"] == 975
    asked = stack.emulator.seen("POST", "/v1/refunds")[-1]
    assert asked.params["payment_intent"] == intent["payment_intent_id"]
    assert asked.params["amount"] == "1000"
    assert asked.params["refund_application_fee"] == "true"
    assert asked.params["reverse_transfer"] == "true"
    assert asked.params["reason"] == "requested_by_customer"
    refunded_at_stripe = stack.localstripe.get(
        f"/v1/refunds?payment_intent={intent['payment_intent_id']}"
    )
    assert [item["amount"] for item in refunded_at_stripe["data"]] == [1000]
    kept = stack.emulator.refunds[refunded_at_stripe["data"][0]["id"]]
    assert (kept.application_fee_refunded, kept.transfer_reversed) == (25, 975)

    payment = eventually(
        lambda: get(stack, store, f"/store/payments/{payment['id']}"),
        lambda payment: (
            payment["status"] == "partially_refunded"
            and [item["status"] for item in payment["refunds"]] == ["succeeded"]
        ),
        stack,
    )
    assert payment["amount_refunded"] == 1000
    assert get(stack, store, f"/store/orders/{order_id}")["payment_status"] == "partially_refunded"
    # A delivery is recorded as it starts: wait until every one, charge.refunded included, has
    # its answer before reading the answers.
    deliveries = eventually(
        lambda: list(stack.emulator.deliveries),
        lambda sent: (
            any(delivery.type == "charge.refunded" for delivery in sent)
            and all(delivery.status is not None for delivery in sent)
        ),
        stack,
    )
    assert all(delivery.status == 200 for delivery in deliveries), [
        (delivery.type, delivery.status) for delivery in deliveries
    ]


def test_a_declined_card_leaves_the_order_unpaid_with_the_reason(stack: Stack) -> None:
    store = ready_store(stack, "Fromagerie Emulée")
    order_id = register_order(stack, store, "FE-2001", 2500)
    intent = create_intent(stack, store, order_id, 2500)
    pause_into_the_next_second()  # the shopper types their card

    declined = confirm_in_browser(stack, intent, number="4000000000000002")

    assert declined.status_code == 402, declined.text
    assert declined.json()["error"]["decline_code"] == "generic_decline"
    failed = delivered(stack, "payment_intent.payment_failed", intent["payment_intent_id"])
    assert failed.status == 200
    order = get(stack, store, f"/store/orders/{order_id}")
    assert (order["status"], order["payment_status"]) == ("pending", "failed")
    payment = get(stack, store, f"/store/payments/{order['payment_id']}")
    assert payment["status"] == "failed"
    assert payment["failure_reason"] == "card_declined"
    assert payment["paid_at"] is None


def test_a_decline_in_the_second_the_intent_was_made_fails_the_order(stack: Stack) -> None:
    store = ready_store(stack, "Crèmerie Emulée")
    order_id = register_order(stack, store, "CE-3001", 3000)
    pause_into_the_next_second()
    intent = create_intent(stack, store, order_id, 3000)

    declined = confirm_in_browser(stack, intent, number="4000000000000002")

    assert declined.status_code == 402, declined.text
    assert (
        delivered(stack, "payment_intent.payment_failed", intent["payment_intent_id"]).status == 200
    )
    assert get(stack, store, f"/store/orders/{order_id}")["payment_status"] == "failed"


def ready_store(stack: Stack, name: str) -> Store:
    store = open_store(stack, name)
    onboard(stack, store)
    eventually(
        lambda: get(stack, store, "/store/payments/config"),
        lambda config: config["accepts_payments"] is True,
        stack,
    )
    return store


def pause_into_the_next_second() -> None:
    """Stripe stamps events to the second: wait until the clock is just past a whole second."""
    time.sleep(1.02 - time.time() % 1)


def delivered(stack: Stack, event_type: str, object_id: str) -> Delivery:
    """The emulator's delivery of ``event_type`` about ``object_id`` to storepay, once answered
    (storepay answers once it has applied the event)."""
    deliveries = eventually(
        lambda: [
            delivery
            for delivery in stack.emulator.delivered(event_type, object_id)
            if delivery.status is not None
        ],
        bool,
        stack,
    )
    return deliveries[-1]
