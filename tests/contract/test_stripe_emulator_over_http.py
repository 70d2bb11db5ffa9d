"""The Stripe emulator answers alike in process (``EmulatedStripe``, the wire stripe-python uses
in the same process) and over HTTP (``StripeApiApp`` served by uvicorn): every route of its table,
its refusals included, on two emulators that start from the same state. Served apart, it
delivers its events to a service's webhook endpoints over HTTP, signed, and sends a refused
delivery again."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import stripe
import uvicorn

from adapters.stripe_emulator import (
    API_BASE,
    SECRET_KEY,
    EmulatedStripe,
    EmulatorControls,
    EmulatorError,
    EmulatorUnreachable,
    StripeApi,
    StripeEmulator,
    sequential_ids,
)
from adapters.stripe_emulator.api import ROUTES
from adapters.stripe_emulator.asgi import MAX_BODY_BYTES, StripeApiApp
from adapters.stripe_emulator.endpoints import WebhookEndpoints
from application.gateway import GatewayUnavailable

pytestmark = pytest.mark.anyio

WEBHOOK_SECRET = "whsec_transports_platform"
CONNECT_SECRET = "whsec_transports_connect"
NOW = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)
JSON = dict[str, Any]
Record = Callable[[bytes, str, bool], Awaitable[None]]


@dataclass
class Served:
    """An ASGI app served by uvicorn on a free port, in a thread with its own event loop."""

    app: Any
    url: str = ""
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None

    def __enter__(self) -> Served:
        listening = socket.socket()
        listening.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{listening.getsockname()[1]}"
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, lifespan="on", ws="none", log_config=None, access_log=False)
        )
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [listening]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self.server is not None
        assert self.thread is not None
        self.server.should_exit = True
        self.thread.join(timeout=20)


def _emulator(deliver: Record, **options: Any) -> StripeEmulator:
    return StripeEmulator(
        webhook_secret=WEBHOOK_SECRET,
        connect_webhook_secret=CONNECT_SECRET,
        clock=lambda: NOW,
        ids=sequential_ids(),
        deliver=deliver,
        **options,
    )


@dataclass
class Deliveries:
    made: list[tuple[bytes, str, bool]] = field(default_factory=list)

    async def __call__(self, payload: bytes, signature: str, connect: bool) -> None:
        self.made.append((payload, signature, connect))


class Twins:
    """Two emulators in the same state, one asked in process and one over HTTP: each request
    goes to both, and both must answer it alike."""

    def __init__(self, app: StripeApiApp, http: httpx.AsyncClient) -> None:
        self.local_deliveries, self.served_deliveries = Deliveries(), Deliveries()
        local = _emulator(self.local_deliveries)
        self.local = EmulatedStripe(StripeApi(local, secret_keys=[SECRET_KEY]))
        app.api = StripeApi(_emulator(self.served_deliveries), secret_keys=[SECRET_KEY])
        self.http = http
        self.answered = 0

    async def send(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None = None,
        *,
        key: str = SECRET_KEY,
        body: str | None = None,
        **headers: str,
    ) -> tuple[int, JSON]:
        encoded = body if body is not None else urlencode(params or {})
        sent = {"Authorization": f"Bearer {key}", **headers}
        if method != "GET":
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        query = f"?{encoded}" if method == "GET" and encoded else ""
        local_body, local_status, local_headers = await self.local.request_async(
            method, f"{API_BASE}{path}{query}", sent, None if method == "GET" else encoded
        )
        served = await self.http.request(
            method, f"{path}{query}", headers=sent, content=None if method == "GET" else encoded
        )
        local_answer = (local_status, json.loads(local_body), _kept(local_headers))
        assert (served.status_code, served.json(), _kept(served.headers)) == local_answer
        self.answered += 1
        return local_status, local_answer[1]

    async def ok(
        self, method: str, path: str, params: dict[str, str] | None = None, **headers: str
    ) -> JSON:
        status, body = await self.send(method, path, params, **headers)
        assert status == 200, body
        return body

    async def refused(
        self,
        status: int,
        method: str,
        path: str,
        params: dict[str, str] | None = None,
        **headers: str,
    ) -> JSON:
        answered, body = await self.send(method, path, params, **headers)
        assert answered == status, body
        error: JSON = body["error"]
        return error


def _kept(headers: Any) -> dict[str, str | None]:
    return {name: headers.get(name) for name in ("request-id", "idempotent-replayed")}


# -- the scenarios: the state each route needs, then the route asked, answered and refused -----


async def _account(twins: Twins, *, ready: bool = True) -> str:
    account = await twins.ok(
        "POST",
        "/v1/accounts",
        {"country": "LU", "email": "ana@atelier.lu", "business_profile[name]": "Atelier Ana"},
    )
    if ready:
        await twins.ok("POST", f"/v1/test_helpers/accounts/{account['id']}/complete_onboarding")
    return str(account["id"])


async def _intent(twins: Twins, account: str, **extra: str) -> JSON:
    return await twins.ok(
        "POST",
        "/v1/payment_intents",
        {
            "amount": "1999",
            "currency": "eur",
            "application_fee_amount": "50",
            "transfer_data[destination]": account,
            "metadata[storepay_order_id]": "ord_1",
            **extra,
        },
    )


async def _paid(twins: Twins, card: str = "pm_card_visa", **extra: str) -> JSON:
    intent = await _intent(twins, await _account(twins), **extra)
    return await twins.ok(
        "POST", f"/v1/payment_intents/{intent['id']}/confirm", {"payment_method": card}
    )


async def _refund(twins: Twins) -> JSON:
    intent = await _paid(twins)
    return await twins.ok("POST", "/v1/refunds", {"payment_intent": intent["id"], "amount": "500"})


async def _dispute(twins: Twins, **params: str) -> JSON:
    intent = await _paid(twins)
    return await twins.ok(
        "POST", f"/v1/test_helpers/charges/{intent['latest_charge']}/dispute", params
    )


async def create_account(twins: Twins) -> None:
    await _account(twins, ready=False)
    await twins.refused(400, "POST", "/v1/accounts", {"country": "L1"})


async def retrieve_account(twins: Twins) -> None:
    await twins.ok("GET", f"/v1/accounts/{await _account(twins)}")
    await twins.refused(404, "GET", "/v1/accounts/acct_missing")


async def update_account(twins: Twins) -> None:
    account = await _account(twins)
    schedule = "settings[payouts][schedule]"
    weekly = {f"{schedule}[interval]": "weekly", f"{schedule}[weekly_anchor]": "friday"}
    await twins.ok("POST", f"/v1/accounts/{account}", weekly)
    await twins.refused(400, "POST", f"/v1/accounts/{account}", {f"{schedule}[interval]": "hourly"})


async def create_an_account_link(twins: Twins) -> None:
    link = {
        "account": await _account(twins),
        "refresh_url": "http://127.0.0.1:8000/refresh",
        "return_url": "http://127.0.0.1:8000/return",
    }
    await twins.ok("POST", "/v1/account_links", {**link, "type": "account_onboarding"})
    await twins.refused(400, "POST", "/v1/account_links", {**link, "type": "account_update"})


async def create_a_payment_intent(twins: Twins) -> None:
    account = await _account(twins)
    await _intent(twins, account, description="Order A-1")
    await twins.refused(400, "POST", "/v1/payment_intents", {"amount": "1999", "currency": "eur"})
    pending = await _account(twins, ready=False)
    await twins.refused(
        400,
        "POST",
        "/v1/payment_intents",
        {"amount": "1999", "currency": "eur", "transfer_data[destination]": pending},
    )


async def retrieve_a_payment_intent(twins: Twins) -> None:
    intent = await _paid(twins)
    await twins.ok("GET", f"/v1/payment_intents/{intent['id']}", {"expand[0]": "latest_charge"})
    await twins.refused(404, "GET", "/v1/payment_intents/pi_missing")


async def confirm_a_payment_intent(twins: Twins) -> None:
    account = await _account(twins)
    declined = await _intent(twins, account)
    confirm = f"/v1/payment_intents/{declined['id']}/confirm"
    card = {"payment_method_data[type]": "card", "payment_method_data[card][number]": ""}
    answered = await twins.ok(
        "POST", confirm, {**card, "payment_method_data[card][number]": "4000000000000002"}
    )
    assert answered["status"] == "requires_payment_method"
    await twins.ok("POST", confirm, {"payment_method": "pm_card_visa"})
    again = await twins.refused(400, "POST", confirm, {"payment_method": "pm_card_visa"})
    assert again["code"] == "payment_intent_unexpected_state"
    other = await _intent(twins, account)
    secret = {"payment_method": "pm_card_visa", "client_secret": "pi_other_secret_x"}
    await twins.refused(400, "POST", f"/v1/payment_intents/{other['id']}/confirm", secret)
    await twins.refused(400, "POST", f"/v1/payment_intents/{other['id']}/confirm", {})


async def cancel_a_payment_intent(twins: Twins) -> None:
    intent = await _intent(twins, await _account(twins))
    await twins.ok("POST", f"/v1/payment_intents/{intent['id']}/cancel")
    await twins.refused(400, "POST", f"/v1/payment_intents/{intent['id']}/cancel")


async def create_a_refund(twins: Twins) -> None:
    intent = await _paid(twins)
    refund = {"payment_intent": intent["id"], "refund_application_fee": "true"}
    await twins.ok("POST", "/v1/refunds", {**refund, "amount": "500"})
    await twins.refused(400, "POST", "/v1/refunds", {**refund, "amount": "1500"})


async def retrieve_a_refund(twins: Twins) -> None:
    await twins.ok("GET", f"/v1/refunds/{(await _refund(twins))['id']}")
    await twins.refused(404, "GET", "/v1/refunds/re_missing")


async def retrieve_a_charge(twins: Twins) -> None:
    await twins.ok("GET", f"/v1/charges/{(await _paid(twins))['latest_charge']}")
    await twins.refused(404, "GET", "/v1/charges/ch_missing")


async def retrieve_a_dispute(twins: Twins) -> None:
    await twins.ok("GET", f"/v1/disputes/{(await _dispute(twins))['id']}")
    await twins.refused(404, "GET", "/v1/disputes/dp_missing")


async def update_a_dispute(twins: Twins) -> None:
    dispute = f"/v1/disputes/{(await _dispute(twins))['id']}"
    await twins.ok("POST", dispute, {"evidence[product_description]": "A blue vase"})
    await twins.ok("POST", dispute, {"evidence[uncategorized_text]": "Delivered", "submit": "true"})
    await twins.ok(
        "POST", f"{dispute.replace('/v1/', '/v1/test_helpers/')}/close", {"outcome": "won"}
    )
    closed = await twins.refused(400, "POST", dispute, {"submit": "true"})
    assert closed["code"] == "dispute_closed"


async def list_customers(twins: Twins) -> None:
    await twins.ok("POST", "/v1/customers", {"email": "shopper@example.lu"})
    await twins.ok("POST", "/v1/customers", {"email": "other@example.lu"})
    page = await twins.ok("GET", "/v1/customers", {"email": "shopper@example.lu", "limit": "1"})
    assert len(page["data"]) == 1
    await twins.refused(400, "GET", "/v1/customers", {"limit": "101"})


async def create_a_customer(twins: Twins) -> None:
    await twins.ok("POST", "/v1/customers", {"email": "shopper@example.lu", "metadata[k]": "v"})
    await twins.refused(400, "POST", "/v1/customers", {"metadata[k]": "v" * 501})


async def _saved_card(twins: Twins) -> tuple[str, str]:
    customer = await twins.ok("POST", "/v1/customers", {"email": "shopper@example.lu"})
    intent = await _paid(twins, customer=customer["id"], setup_future_usage="off_session")
    return customer["id"], intent["payment_method"]


async def list_a_customers_payment_methods(twins: Twins) -> None:
    customer, _ = await _saved_card(twins)
    await twins.ok("GET", f"/v1/customers/{customer}/payment_methods", {"type": "card"})
    await twins.refused(404, "GET", "/v1/customers/cus_missing/payment_methods")


async def detach_a_payment_method(twins: Twins) -> None:
    _, method = await _saved_card(twins)
    await twins.ok("POST", f"/v1/payment_methods/{method}/detach")
    await twins.refused(400, "POST", f"/v1/payment_methods/{method}/detach")


async def authenticate_a_payment_intent(twins: Twins) -> None:
    intent = await _paid(twins, "pm_card_authenticationRequiredOnSetup")
    assert intent["status"] == "requires_action"
    authenticate = f"/v1/test_helpers/payment_intents/{intent['id']}/authenticate"
    await twins.refused(400, "POST", authenticate, {})
    await twins.ok("POST", authenticate, {"success": "true"})
    late = await twins.refused(400, "POST", authenticate, {"success": "false"})
    assert late["code"] == "payment_intent_unexpected_state"


async def complete_an_accounts_onboarding(twins: Twins) -> None:
    account = await _account(twins, ready=False)
    await twins.ok("POST", f"/v1/test_helpers/accounts/{account}/complete_onboarding")
    await twins.refused(404, "POST", "/v1/test_helpers/accounts/acct_missing/complete_onboarding")


async def retrieve_an_accounts_onboarding_link(twins: Twins) -> None:
    account = await _account(twins, ready=False)
    link = f"/v1/test_helpers/accounts/{account}/onboarding_link"
    await twins.refused(404, "GET", link)
    await twins.ok(
        "POST",
        "/v1/account_links",
        {
            "account": account,
            "type": "account_onboarding",
            "refresh_url": "http://127.0.0.1:8000/refresh",
            "return_url": "http://127.0.0.1:8000/return",
        },
    )
    await twins.ok("GET", link)


async def set_an_accounts_requirements(twins: Twins) -> None:
    requirements = f"/v1/test_helpers/accounts/{await _account(twins)}/requirements"
    due = {"currently_due[0]": "individual.verification.document"}
    restricted = await twins.ok(
        "POST", requirements, {**due, "disabled_reason": "requirements.past_due"}
    )
    assert restricted["charges_enabled"] is False
    await twins.refused(400, "POST", requirements, {**due, "disabled_reason": "tired"})


async def pay_out_a_connected_account(twins: Twins) -> None:
    payouts = f"/v1/test_helpers/accounts/{await _account(twins)}/payouts"
    paid = await twins.ok("POST", payouts, {"amount": "9750"})
    assert (paid["status"], paid["currency"]) == ("paid", "eur")
    failed = await twins.ok("POST", payouts, {"amount": "100", "failure_code": "account_closed"})
    assert failed["status"] == "failed"
    await twins.refused(400, "POST", payouts, {"amount": "0"})
    await twins.refused(400, "POST", payouts, {"amount": "100", "currency": "xyz"})


async def dispute_a_charge(twins: Twins) -> None:
    intent = await _paid(twins)
    dispute = f"/v1/test_helpers/charges/{intent['latest_charge']}/dispute"
    too_much = await twins.refused(400, "POST", dispute, {"amount": "2000"})
    assert (too_much["code"], too_much["param"]) == ("amount_too_large", "amount")
    await twins.refused(400, "POST", dispute, {"reason": "bored"})
    await twins.ok("POST", dispute, {"amount": "1000", "reason": "product_not_received"})
    twice = await twins.refused(400, "POST", dispute, {})
    assert twice["code"] == "charge_not_disputable"
    account = await _account(twins)
    declined = await _intent(twins, account)
    failed = await twins.ok(
        "POST",
        f"/v1/payment_intents/{declined['id']}/confirm",
        {"payment_method": "pm_card_chargeDeclined"},
    )
    refused = await twins.refused(
        400, "POST", f"/v1/test_helpers/charges/{failed['latest_charge']}/dispute"
    )
    assert refused["code"] == "charge_not_disputable"
    await twins.refused(404, "POST", "/v1/test_helpers/charges/ch_missing/dispute")


async def close_a_dispute(twins: Twins) -> None:
    inquiry = await _dispute(twins, inquiry="true")
    close = f"/v1/test_helpers/disputes/{inquiry['id']}/close"
    lost = await twins.refused(400, "POST", close, {"outcome": "lost"})
    assert lost["code"] == "dispute_is_inquiry"
    await twins.refused(400, "POST", close, {"outcome": "maybe"})
    await twins.ok("POST", close, {"outcome": "won"})
    again = await twins.refused(400, "POST", close, {"outcome": "won"})
    assert again["code"] == "dispute_closed"


async def fail_a_refund(twins: Twins) -> None:
    fail = f"/v1/test_helpers/refunds/{(await _refund(twins))['id']}/fail"
    await twins.refused(400, "POST", fail, {"failure_reason": "bad_luck"})
    failed = await twins.ok("POST", fail, {"failure_reason": "lost_or_stolen_card"})
    assert failed["status"] == "failed"
    await twins.refused(400, "POST", fail, {})


async def _charge(twins: Twins) -> JSON:
    """A destination charge that succeeded, with its fee, its transfer and its account."""
    intent = await _paid(twins)
    return await twins.ok("GET", f"/v1/charges/{intent['latest_charge']}")


def _of(account: str) -> dict[str, str]:
    return {"Stripe-Account": account}


async def retrieve_a_balance(twins: Twins) -> None:
    charge = await _charge(twins)
    await twins.ok("GET", "/v1/balance")
    await twins.ok("GET", "/v1/balance", **_of(charge["transfer_data"]["destination"]))
    await twins.refused(404, "GET", "/v1/balance", **_of("acct_missing"))


async def list_balance_transactions(twins: Twins) -> None:
    charge = await _charge(twins)
    await twins.ok("GET", "/v1/balance_transactions", {"type": "charge"})
    account = charge["transfer_data"]["destination"]
    await twins.ok("GET", "/v1/balance_transactions", {"limit": "2"}, **_of(account))
    await twins.refused(400, "GET", "/v1/balance_transactions", {"limit": "0"})


async def retrieve_a_balance_transaction(twins: Twins) -> None:
    charge = await _charge(twins)
    await twins.ok("GET", f"/v1/balance_transactions/{charge['balance_transaction']}")
    await twins.refused(404, "GET", "/v1/balance_transactions/txn_missing")


async def list_application_fees(twins: Twins) -> None:
    charge = await _charge(twins)
    await twins.ok("GET", "/v1/application_fees", {"charge": charge["id"]})
    await twins.refused(400, "GET", "/v1/application_fees", {"limit": "101"})


async def retrieve_an_application_fee(twins: Twins) -> None:
    charge = await _charge(twins)
    await twins.ok("GET", f"/v1/application_fees/{charge['application_fee']}")
    await twins.refused(404, "GET", "/v1/application_fees/fee_missing")


async def refund_an_application_fee(twins: Twins) -> None:
    refunds = f"/v1/application_fees/{(await _charge(twins))['application_fee']}/refunds"
    await twins.ok("POST", refunds, {"amount": "10"})
    await twins.refused(400, "POST", refunds, {"amount": "41"})


async def list_an_application_fees_refunds(twins: Twins) -> None:
    refunds = f"/v1/application_fees/{(await _charge(twins))['application_fee']}/refunds"
    await twins.ok("POST", refunds, {"amount": "10"})
    await twins.ok("GET", refunds)
    await twins.refused(404, "GET", "/v1/application_fees/fee_missing/refunds")


async def _transfer(twins: Twins) -> JSON:
    charge = await _charge(twins)
    return await twins.ok(
        "POST",
        "/v1/transfers",
        {
            "amount": "500",
            "currency": "eur",
            "destination": charge["transfer_data"]["destination"],
            "source_transaction": charge["id"],
            "transfer_group": "cart_1",
        },
    )


async def create_a_transfer(twins: Twins) -> None:
    transfer = await _transfer(twins)
    await twins.refused(
        400,
        "POST",
        "/v1/transfers",
        {"amount": "0", "currency": "eur", "destination": transfer["destination"]},
    )


async def list_transfers(twins: Twins) -> None:
    transfer = await _transfer(twins)
    await twins.ok("GET", "/v1/transfers", {"destination": transfer["destination"]})
    await twins.ok("GET", "/v1/transfers", {"transfer_group": "cart_1"})
    await twins.refused(400, "GET", "/v1/transfers", {"limit": "0"})


async def retrieve_a_transfer(twins: Twins) -> None:
    await twins.ok("GET", f"/v1/transfers/{(await _transfer(twins))['id']}")
    await twins.refused(404, "GET", "/v1/transfers/tr_missing")


async def reverse_a_transfer(twins: Twins) -> None:
    reversals = f"/v1/transfers/{(await _transfer(twins))['id']}/reversals"
    await twins.ok("POST", reversals, {"amount": "100"})
    await twins.refused(400, "POST", reversals, {"amount": "401"})


async def list_a_transfers_reversals(twins: Twins) -> None:
    reversals = f"/v1/transfers/{(await _transfer(twins))['id']}/reversals"
    await twins.ok("POST", reversals, {"amount": "100"})
    await twins.ok("GET", reversals)
    await twins.refused(404, "GET", "/v1/transfers/tr_missing/reversals")


async def list_payouts(twins: Twins) -> None:
    account = await _account(twins)
    await twins.ok("POST", f"/v1/test_helpers/accounts/{account}/payouts", {"amount": "100"})
    await twins.ok("GET", "/v1/payouts", {"status": "paid"}, **_of(account))
    await twins.refused(400, "GET", "/v1/payouts")


async def refusals_of_every_route(twins: Twins) -> None:
    """What any route refuses alike: a key not known, a path or method not there, a key reused
    for another request, parameters that cannot be read; and a retried POST replayed."""
    status, _ = await twins.send("GET", "/v1/accounts/acct_1", key="sk_test_someone_else")
    assert status == 401
    await twins.refused(404, "GET", "/v1/issuing/cards")
    await twins.refused(405, "DELETE", "/v1/accounts/acct_1")
    once = {"country": "LU"}
    await twins.send("POST", "/v1/accounts", once, **{"Idempotency-Key": "k1"})
    _, replayed = await twins.send("POST", "/v1/accounts", once, **{"Idempotency-Key": "k1"})
    status, _ = await twins.send(
        "POST", "/v1/accounts", {"country": "FR"}, **{"Idempotency-Key": "k1"}
    )
    assert (status, replayed["country"]) == (400, "LU")
    await twins.refused(400, "POST", "/v1/accounts", {"country[": "LU"})
    status, _ = await twins.send("POST", "/v1/accounts", body="country=%FF")
    assert status == 400
    await twins.refused(404, "GET", "/v1/accounts/acct_1", {"x": "y"})


SCENARIOS: dict[str, Callable[[Twins], Awaitable[None]]] = {
    "create an account": create_account,
    "retrieve an account": retrieve_account,
    "update an account": update_account,
    "create an account link": create_an_account_link,
    "create a payment intent": create_a_payment_intent,
    "retrieve a payment intent": retrieve_a_payment_intent,
    "confirm a payment intent": confirm_a_payment_intent,
    "cancel a payment intent": cancel_a_payment_intent,
    "create a refund": create_a_refund,
    "retrieve a refund": retrieve_a_refund,
    "retrieve a charge": retrieve_a_charge,
    "retrieve a dispute": retrieve_a_dispute,
    "update a dispute": update_a_dispute,
    "list customers": list_customers,
    "create a customer": create_a_customer,
    "list a customer's payment methods": list_a_customers_payment_methods,
    "detach a payment method": detach_a_payment_method,
    "authenticate a payment intent": authenticate_a_payment_intent,
    "complete an account's onboarding": complete_an_accounts_onboarding,
    "retrieve an account's onboarding link": retrieve_an_accounts_onboarding_link,
    "set an account's requirements": set_an_accounts_requirements,
    "pay out a connected account": pay_out_a_connected_account,
    "dispute a charge": dispute_a_charge,
    "close a dispute": close_a_dispute,
    "fail a refund": fail_a_refund,
    "retrieve a balance": retrieve_a_balance,
    "list balance transactions": list_balance_transactions,
    "retrieve a balance transaction": retrieve_a_balance_transaction,
    "list application fees": list_application_fees,
    "retrieve an application fee": retrieve_an_application_fee,
    "refund an application fee": refund_an_application_fee,
    "list an application fee's refunds": list_an_application_fees_refunds,
    "create a transfer": create_a_transfer,
    "list transfers": list_transfers,
    "retrieve a transfer": retrieve_a_transfer,
    "reverse a transfer": reverse_a_transfer,
    "list a transfer's reversals": list_a_transfers_reversals,
    "list payouts": list_payouts,
    "refusals of every route": refusals_of_every_route,
}


@pytest.fixture(scope="module")
def served_api() -> Iterator[Served]:
    app = StripeApiApp(StripeApi(_emulator(Deliveries()), secret_keys=[SECRET_KEY]))
    with Served(app) as served:
        yield served


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize("route", [*(route.name for route in ROUTES), "refusals of every route"])
async def test_in_process_and_over_http_the_emulator_answers_alike(
    route: str, served_api: Served
) -> None:
    async with httpx.AsyncClient(base_url=served_api.url) as http:
        twins = Twins(served_api.app, http)
        await SCENARIOS[route](twins)  # a route of the table without a scenario fails here

    assert twins.answered >= 2  # the route answered and refused
    # The same state changes announced by the same events, signed alike (over HTTP, an API
    # call's events follow its answer).
    deadline = time.monotonic() + 10
    while len(twins.served_deliveries.made) < len(twins.local_deliveries.made):
        assert time.monotonic() < deadline, "the events never all arrived"
        await asyncio.sleep(0.01)
    assert twins.served_deliveries.made == twins.local_deliveries.made


async def test_a_body_past_the_limit_is_refused_without_being_read(served_api: Served) -> None:
    async with httpx.AsyncClient(base_url=served_api.url) as http:
        answer = await http.post(
            "/v1/accounts",
            content=b"country=LU&" + b"x" * MAX_BODY_BYTES,
            headers={"Authorization": f"Bearer {SECRET_KEY}"},
        )

    assert answer.status_code == 413
    assert answer.json()["error"]["type"] == "invalid_request_error"


# -- delivery over HTTP ------------------------------------------------------------------------


@dataclass
class Receiver:
    """A service's two webhook endpoints: it refuses the first ``refuse`` deliveries (503)."""

    refuse: int = 0
    received: list[tuple[str, bytes, str]] = field(default_factory=list)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = dict(scope["headers"])
        self.received.append((scope["path"], body, headers[b"stripe-signature"].decode()))
        status = 503 if len(self.received) <= self.refuse else 200
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


async def test_served_apart_it_posts_signed_events_to_each_endpoint_and_retries_a_refusal() -> None:
    receiver = Receiver(refuse=1)
    with Served(receiver) as service:
        endpoints = WebhookEndpoints(
            f"{service.url}/webhooks/stripe", f"{service.url}/webhooks/stripe/connect"
        )
        emulator = StripeEmulator(
            webhook_secret=WEBHOOK_SECRET,
            connect_webhook_secret=CONNECT_SECRET,
            deliver=endpoints,
            redelivery=(0.05, 0.05),
            enabled_events=("account.updated", "payment_intent.succeeded"),
        )
        api = StripeApi(emulator, secret_keys=[SECRET_KEY])
        client = stripe.StripeClient(
            SECRET_KEY, http_client=EmulatedStripe(api), base_addresses={"api": API_BASE}
        )
        try:
            account = await client.v1.accounts.create_async({"country": "LU"})
            await emulator.complete_onboarding(account.id)  # refused once: sent again
            intent = await client.v1.payment_intents.create_async(
                {"amount": 1999, "currency": "eur", "transfer_data": {"destination": account.id}}
            )
            await emulator.confirm(intent.id, intent.client_secret or "", "4242424242424242")
            deadline = time.monotonic() + 10
            while emulator.waiting_deliveries and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        finally:
            await emulator.aclose()
            await endpoints.aclose()

    paths = [(path, json.loads(body)["type"]) for path, body, _ in receiver.received]
    assert paths[0] == ("/webhooks/stripe/connect", "account.updated")  # refused
    assert sorted(paths[1:]) == [  # in no promised order; none of the types not listened to
        ("/webhooks/stripe", "payment_intent.succeeded"),
        ("/webhooks/stripe/connect", "account.updated"),
    ]
    for path, body, signature in receiver.received:
        secret = CONNECT_SECRET if path.endswith("/connect") else WEBHOOK_SECRET
        stripe.WebhookSignature.verify_header(body.decode(), signature, secret)
    [failed] = emulator.failed_deliveries
    assert "503" in failed.error


class CallingBack:
    """A service whose webhook handling calls the emulator's API: a payment that succeeds is
    refunded at once, before the delivery is answered."""

    def __init__(self) -> None:
        self.emulator_url = ""
        self.received: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        event = json.loads(body)
        self.received.append(event["type"])
        if event["type"] == "payment_intent.succeeded":
            async with httpx.AsyncClient(base_url=self.emulator_url, timeout=30) as stripe_api:
                refunded = await stripe_api.post(
                    "/v1/refunds",
                    data={"payment_intent": event["data"]["object"]["id"]},
                    headers={"Authorization": f"Bearer {SECRET_KEY}"},
                )
            assert refunded.status_code == 200, refunded.text
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


async def test_a_service_that_calls_the_api_while_handling_a_delivery_is_not_kept_waiting() -> None:
    service = CallingBack()
    with Served(service) as served_service:
        endpoints = WebhookEndpoints(
            f"{served_service.url}/webhooks/stripe",
            f"{served_service.url}/webhooks/stripe/connect",
            timeout=5,
        )
        emulator = _emulator(endpoints)
        app = StripeApiApp(
            StripeApi(emulator, secret_keys=[SECRET_KEY]),
            on_shutdown=[emulator.aclose, endpoints.aclose],
        )
        with Served(app) as served_emulator:
            service.emulator_url = served_emulator.url
            async with httpx.AsyncClient(base_url=served_emulator.url, timeout=30) as http:
                twins_like = {"Authorization": f"Bearer {SECRET_KEY}"}
                account = (
                    await http.post("/v1/accounts", data={"country": "LU"}, headers=twins_like)
                ).json()
                await http.post(
                    f"/v1/test_helpers/accounts/{account['id']}/complete_onboarding",
                    headers=twins_like,
                )
                intent = (
                    await http.post(
                        "/v1/payment_intents",
                        data={
                            "amount": "1999",
                            "currency": "eur",
                            "transfer_data[destination]": account["id"],
                        },
                        headers=twins_like,
                    )
                ).json()
                started = time.monotonic()
                paid = await http.post(
                    f"/v1/payment_intents/{intent['id']}/confirm",
                    data={"payment_method": "pm_card_visa"},
                    headers=twins_like,
                )
                took = time.monotonic() - started
                deadline = time.monotonic() + 10
                while "refund.created" not in service.received:
                    assert time.monotonic() < deadline, service.received
                    await asyncio.sleep(0.01)

    assert paid.json()["status"] == "succeeded"
    assert took < 5  # the delivery was answered, not given up on after its timeout
    assert emulator.failed_deliveries == []
    assert service.received.index("payment_intent.succeeded") < service.received.index(
        "refund.created"
    )


# -- the test-mode client, over HTTP -----------------------------------------------------------


async def test_the_controls_over_http_bring_back_the_emulators_refusals(
    served_api: Served,
) -> None:
    served_api.app.api = StripeApi(_emulator(Deliveries()), secret_keys=[SECRET_KEY])
    controls = EmulatorControls(
        stripe.HTTPXClient(), api_base=served_api.url, secret_key=SECRET_KEY
    )
    try:
        with pytest.raises(EmulatorError) as missing:
            await controls.complete_onboarding("acct_missing")
        with pytest.raises(EmulatorError) as unreadable:
            await controls.account("acct_../../v1/customers?limit=1")
        account = await controls.complete_onboarding((await _remote_account(served_api.url))["id"])
    finally:
        await controls.aclose()

    assert (missing.value.status, missing.value.code) == (404, "resource_missing")
    assert unreadable.value.status == 404  # quoted: one path, never another route or a query
    assert account["charges_enabled"] is True


async def test_an_emulator_that_cannot_be_reached_says_so_as_its_caller_asks() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{probe.getsockname()[1]}"  # nothing listens once closed
    plain = EmulatorControls(stripe.HTTPXClient(), api_base=nowhere, secret_key=SECRET_KEY)
    storepays = EmulatorControls(
        stripe.HTTPXClient(),
        api_base=nowhere,
        secret_key=SECRET_KEY,
        unreachable=GatewayUnavailable,
    )
    try:
        with pytest.raises(EmulatorUnreachable):
            await plain.payment_intent("pi_1")
        with pytest.raises(GatewayUnavailable, match="could not be reached"):
            await storepays.payment_intent("pi_1")
    finally:
        await plain.aclose()
        await storepays.aclose()


async def _remote_account(url: str) -> JSON:
    async with httpx.AsyncClient(base_url=url) as http:
        answer = await http.post(
            "/v1/accounts",
            data={"country": "LU"},
            headers={"Authorization": f"Bearer {SECRET_KEY}"},
        )
    document: JSON = answer.json()
    return document
