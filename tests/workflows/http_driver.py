"""The marketplace driven over HTTP, as its users meet it: storepay served on a migrated SQLite
file.

The platform and the stores call the ``/api/v1`` endpoints with the admin token and their API keys;
shoppers call the storefront endpoints and pay on the simulator's endpoints, as a browser would.
Refusals arrive as problem documents and are raised as :class:`Refused` from their ``code``.

What only Stripe, a bank or time can do (a dispute, a refund the bank fails, reports held on
the way, a disconnected account) is done in the test mode of the Stripe emulator the service's
gateway talks to, as Stripe would do it. The emulator, the gateway and the service share one
manual clock. The emulator's events reach the service through the container's wiring, which hands
them to the webhook handling with their signature, as ``POST /webhooks/stripe`` does.

Async work outside a request (the emulator's, and reconciliation, which is a command rather than an
endpoint) runs on the test client's own event loop: the database engine lives there.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from contract.databases import sqlite_url
from dependency_injector import providers
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient
from stripe_emulation import EmulatedStripeAccount, emulated_stripe

from adapters.sqlalchemy import upgrade
from adapters.stripe_emulator import StripeEmulator
from adapters.system.clock import ManualClock
from domain.errors import DomainError
from domain.money import Money
from entrypoints.container import Service, build_service
from entrypoints.http.app import create_app
from entrypoints.settings import Settings, load_settings

from .driver import (
    Balance,
    Breakdown,
    Checkout,
    FeeReport,
    Fees,
    GatewayCharge,
    GatewayRefunds,
    Marketplace,
    Onboarding,
    OrderView,
    PaymentView,
    RefundView,
    Refused,
    SavedCard,
    StoreRef,
    StoreView,
)
from .use_case_driver import MAX_RELEASES, STORY_START, WEBHOOK_SECRET, delivery_order

T = TypeVar("T")
API = "/api/v1"
ADMIN_TOKEN = "spa_workflow_scenarios_admin_token"
PAGE_SIZE = 2  # small, so that listing a store's payments follows the cursor


# The onboarding pages answer refusals with a page in words; the status says which (API.md, Pages).
PAGE_REFUSALS = {403: "invalid_onboarding_token", 404: "not_found", 409: "payments_not_set_up"}


@contextmanager
def over_http(runner: asyncio.Runner, scratch: Path) -> Iterator[Marketplace]:
    """storepay served on a fresh, migrated SQLite file, with the simulated gateway: the Stripe
    adapter on the Stripe emulator."""
    url = sqlite_url(scratch)
    runner.run(upgrade(url))
    service = build_service(
        load_settings(
            {
                "STOREPAY_DATABASE_URL": url,
                "STOREPAY_ADMIN_TOKEN": ADMIN_TOKEN,
                "STOREPAY_GATEWAY": "simulated",
                "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                # Reconciliation runs when a scenario says so, not in the background.
                "STOREPAY_RECONCILE_INTERVAL_SECONDS": "0",
                # The limit runs on the wall clock; the scenarios are not about it.
                "STOREPAY_RATE_LIMIT_PER_MINUTE": "0",
            }
        )
    )
    clock = ManualClock(STORY_START)
    stripe = simulated_stripe(service.settings(), clock)
    with ExitStack() as stack:
        # Before anything is built: the use cases, and the emulator's delivery, take these.
        stack.enter_context(service.adapters.clock.override(providers.Object(clock)))
        emulator = providers.Object(stripe.emulator)
        stack.enter_context(service.adapters.stripe_emulator.override(emulator))
        stack.enter_context(service.adapters.gateway.override(providers.Object(stripe.gateway)))
        # Built now, so that the emulator's events have somewhere to go from the first one on.
        service.use_cases()
        assert service.ports().gateway is stripe.gateway
        client = stack.enter_context(TestClient(create_app(service)))
        yield HttpMarketplace(client, service, stripe.emulator, clock)


def simulated_stripe(settings: Settings, clock: ManualClock) -> EmulatedStripeAccount:
    """The container's emulator and the gateway on it, both on the scenario's clock (the
    gateway checks the emulator's signatures against it)."""
    return emulated_stripe(
        webhook_secret=settings.webhook_secret,
        connect_webhook_secret=settings.connect_secret,
        public_url=settings.public_url,
        clock=clock.now,
    )


class HttpMarketplace:
    def __init__(
        self,
        client: TestClient[Litestar],
        service: Service,
        stripe: StripeEmulator,
        clock: ManualClock,
    ) -> None:
        self._client = client
        self._service = service
        self.stripe = stripe
        self.clock = clock
        self._stores: list[StoreRef] = []
        self._payment_stores: dict[str, StoreRef] = {}

    # -- HTTP ---------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        expect: int | tuple[int, ...] = 200,
        json: Any = None,
        params: dict[str, str | int] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """The JSON answer (``None`` when empty); a problem document is raised as a refusal."""
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        response = self._client.request(method, path, json=json, params=params, headers=sent)
        if response.status_code in ((expect,) if isinstance(expect, int) else expect):
            return response.json() if response.content else None
        raise _refusal(method, path, response)

    def _admin(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._call(method, f"{API}/admin{path}", token=ADMIN_TOKEN, **kwargs)

    def _as(self, store: StoreRef, method: str, path: str, **kwargs: Any) -> Any:
        return self._call(method, f"{API}/store{path}", token=store.api_key, **kwargs)

    def _on_loop(self, work: Callable[[], Awaitable[T]]) -> T:
        """``work`` run on the event loop that serves the requests (and holds the database)."""
        try:
            return self._client.blocking_portal.call(work)
        except DomainError as error:
            raise Refused(error.code, error.message) from error

    def _account(self, store: StoreRef) -> str:
        account = self.store(store).account
        assert account is not None, "the store has no connected account"
        return account

    # -- the platform -------------------------------------------------------------------------

    def open_store(self, name: str, currency: str) -> StoreRef:
        email = f"owner@{name.lower().replace(' ', '-')}.example"
        body = {"name": name, "business_email": email, "currency": currency}
        created = self._admin("POST", "/stores", json=body, expect=201)
        store = StoreRef(created["id"], created["api_key"])
        self._stores.append(store)
        return store

    def set_fee(self, store: StoreRef, percentage: str, fixed: Money | None) -> None:
        fixed_amount = 0 if fixed is None else fixed.minor_units
        policy = {"percentage": percentage, "fixed_amount": fixed_amount}
        self._admin("PUT", f"/stores/{_segment(store.id)}/fee-policy", json=policy)

    def rotate_api_key(self, store: StoreRef) -> str:
        issued = self._admin("POST", f"/stores/{_segment(store.id)}/api-keys", expect=201)
        store.api_key = issued["api_key"]
        return store.api_key

    def identify(self, api_key: str) -> str:
        config = self._call("GET", f"{API}/store/payments/config", token=api_key)
        store_id: str = config["store_id"]
        return store_id

    def platform_fees(self) -> FeeReport:
        report = self._admin("GET", "/reports/platform-fees")
        by_store: dict[str, list[Fees]] = {}
        for line in report["by_store"]:
            by_store.setdefault(line["store_id"], []).append(_fees(line))
        return FeeReport(totals=[_fees(line) for line in report["totals"]], by_store=by_store)

    # -- a store's back office ----------------------------------------------------------------

    def set_up_payments(self, store: StoreRef) -> Onboarding:
        setup = self._as(store, "POST", "/payments/setup")
        return Onboarding(
            setup["stripe_account_id"], setup["onboarding_url"], _moment(setup["expires_at"])
        )

    def fresh_onboarding_link(self, store: StoreRef) -> Onboarding:
        link = self._as(store, "POST", "/payments/onboarding-link")
        return Onboarding(self._account(store), link["onboarding_url"], _moment(link["expires_at"]))

    def return_from_onboarding(self, store: StoreRef) -> StoreView:
        # The gateway's hosted pages send the store's browser to the link's return URL.
        returned = urlsplit(self.stripe.latest_onboarding_link(self._account(store)).return_url)
        path = f"{returned.path}?{returned.query}"
        response = self._client.get(path)
        if response.status_code != 200:
            code = PAGE_REFUSALS.get(response.status_code)
            if code is None:
                raise _refusal("GET", path, response)
            raise Refused(code, f"the return page answered {response.status_code}")
        assert response.headers["content-type"].startswith("text/html"), response.text
        return self.store(store)

    def store(self, store: StoreRef) -> StoreView:
        return _store_view(self._as(store, "GET", "/payments/config"))

    def change_payouts(
        self, store: StoreRef, *, schedule: str | None = None, minimum: Money | None = None
    ) -> StoreView:
        change: dict[str, str | int] = {}
        if schedule is not None:
            change["payout_schedule"] = schedule
        if minimum is not None:
            change["minimum_payout"] = minimum.minor_units
        return _store_view(self._as(store, "PATCH", "/payments/settings", json=change))

    def register_order(
        self, store: StoreRef, reference: str, customer_email: str, amount: Money
    ) -> OrderView:
        order = {
            "reference": reference,
            "customer_email": customer_email,
            "amount": amount.minor_units,
            "currency": amount.currency.code,
        }
        return _order_view(self._as(store, "POST", "/orders", json=order, expect=(200, 201)))

    def order(self, store: StoreRef, order: str) -> OrderView:
        return _order_view(self._as(store, "GET", f"/orders/{_segment(order)}"))

    def payment(self, store: StoreRef, payment: str) -> PaymentView:
        return _payment_view(self._as(store, "GET", f"/payments/{_segment(payment)}"))

    def payments(self, store: StoreRef) -> list[PaymentView]:
        found: list[PaymentView] = []
        params: dict[str, str | int] = {"limit": PAGE_SIZE}
        while True:
            page = self._as(store, "GET", "/payments", params=params)
            found += [_payment_view(payment) for payment in page["data"]]
            if not page["has_more"]:
                return found
            params["starting_after"] = found[-1].id

    def refund(
        self,
        store: StoreRef,
        payment: str,
        amount: Money | None = None,
        idempotency_key: str | None = None,
    ) -> RefundView:
        body = {} if amount is None else {"amount": amount.minor_units}
        headers = {} if idempotency_key is None else {"Idempotency-Key": idempotency_key}
        path = f"/payments/{_segment(payment)}/refunds"
        made = self._as(store, "POST", path, json=body, headers=headers, expect=201)
        return _refund_view(made)

    def balances(self, store: StoreRef) -> list[Balance]:
        return [_balance(line) for line in self._as(store, "GET", "/balance")["balances"]]

    def saved_cards(self, store: StoreRef, customer_email: str) -> list[SavedCard]:
        path = f"/customers/{_segment(customer_email)}/payment-methods"
        cards: list[SavedCard] = []
        params: dict[str, str | int] = {"limit": PAGE_SIZE}
        while True:
            page = self._as(store, "GET", path, params=params)
            cards += [
                SavedCard(m["id"], m["card_brand"] or "", m["card_last4"] or "", m["is_default"])
                for m in page["data"]
            ]
            if not page["has_more"]:
                return cards
            params["starting_after"] = cards[-1].id

    def make_default_card(self, store: StoreRef, customer_email: str, card: str) -> None:
        path = f"/customers/{_segment(customer_email)}/payment-methods/{_segment(card)}/default"
        self._as(store, "POST", path)

    def remove_card(self, store: StoreRef, customer_email: str, card: str) -> None:
        path = f"/customers/{_segment(customer_email)}/payment-methods/{_segment(card)}"
        self._as(store, "DELETE", path, expect=204)

    def customer_session(self, store: StoreRef, order: str) -> str:
        path = f"/orders/{_segment(order)}/customer-session"
        token: str = self._as(store, "POST", path, expect=201)["customer_session"]
        return token

    # -- the storefront -----------------------------------------------------------------------

    def _storefront(self, store: StoreRef) -> str:
        return f"{API}/platform/stores/{_segment(store.id)}/payments"

    def preview_fee(self, store: StoreRef, amount: Money) -> Breakdown:
        query: dict[str, str | int] = {
            "amount": amount.minor_units,
            "currency": amount.currency.code,
        }
        preview = self._call("GET", f"{self._storefront(store)}/fee-preview", params=query)
        return _breakdown(preview)

    def check_out(
        self,
        store: StoreRef,
        order: str,
        amount: Money,
        customer_email: str,
        *,
        save_card: bool = False,
        customer_session: str | None = None,
    ) -> Checkout:
        signed_in = {} if customer_session is None else {"customer_session": customer_session}
        intent = self._call(
            "POST",
            f"{self._storefront(store)}/create-intent",
            json={
                "order_id": order,
                "amount": amount.minor_units,
                "currency": amount.currency.code,
                "customer_email": customer_email,
                "save_payment_method": save_card,
                **signed_in,
            },
        )
        checkout = Checkout(
            payment=intent["payment_id"],
            intent=intent["payment_intent_id"],
            client_secret=intent["client_secret"],
            breakdown=_breakdown(intent),
        )
        self._payment_stores[checkout.payment] = store
        return checkout

    def cards_offered(self, store: StoreRef, order: str, customer_session: str | None) -> list[str]:
        """The saved cards the checkout page offers, as its radio buttons name them."""
        params = {} if customer_session is None else {"customer_session": customer_session}
        page = self._client.get(f"/checkout/{_segment(store.id)}/{_segment(order)}", params=params)
        assert page.status_code == 200, page.text
        return re.findall(r'name="payment-choice" value="(pm_[^"]+)"', page.text)

    # -- the gateway's test mode --------------------------------------------------------------

    def _simulator(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._call("POST", f"/simulator{path}", json=body)

    def pay(self, checkout: Checkout, card_number: str) -> None:
        body = {"client_secret": checkout.client_secret, "card_number": card_number}
        self._simulator(f"/payment_intents/{_segment(checkout.intent)}/confirm", body)

    def pay_with_saved_card(self, checkout: Checkout, card: str) -> None:
        body = {"client_secret": checkout.client_secret, "payment_method": card}
        self._simulator(f"/payment_intents/{_segment(checkout.intent)}/confirm", body)

    def authenticate(self, checkout: Checkout, *, success: bool) -> None:
        body = {"client_secret": checkout.client_secret, "success": success}
        self._simulator(f"/payment_intents/{_segment(checkout.intent)}/authenticate", body)

    def finish_onboarding(self, store: StoreRef) -> None:
        self._simulator(f"/accounts/{_segment(self._account(store))}/complete-onboarding")

    def charge_at_gateway(self, checkout: Checkout) -> GatewayCharge:
        intent = self.stripe.retrieve_object(checkout.intent)
        currency = str(intent["currency"])
        return GatewayCharge(
            amount=Money.of(int(intent["amount"]), currency),
            platform_fee=Money.of(int(intent["application_fee_amount"]), currency),
            destination=str(intent["transfer_data"]["destination"]),
        )

    def refunds_at_gateway(self, checkout: Checkout) -> GatewayRefunds:
        """What the gateway holds of the refunds the store's payment names."""
        store = self._payment_stores[checkout.payment]
        payment = self._as(store, "GET", f"/payments/{_segment(checkout.payment)}")
        amount = fee = Money.zero(payment["currency"])
        for refund in payment["refunds"]:
            if refund["stripe_refund_id"] is None:
                continue
            record = self.stripe.refund_record(refund["stripe_refund_id"])
            if record.holds_amount:
                amount, fee = amount + record.amount, fee + record.application_fee_refund
        return GatewayRefunds(amount, fee)

    def disconnect(self, store: StoreRef) -> None:
        account = self._account(store)
        self._on_loop(lambda: self.stripe.deauthorize(account))

    def payout_schedule_at_gateway(self, store: StoreRef) -> str:
        account = self.stripe.retrieve_object(self._account(store))
        return str(account["settings"]["payouts"]["schedule"]["interval"])

    def card_kept_at_gateway(self, card: str) -> bool:
        return self.stripe.retrieve_object(card)["customer"] is not None

    def open_dispute(self, checkout: Checkout) -> None:
        self._on_loop(lambda: self.stripe.open_dispute(checkout.intent))

    def close_dispute(self, checkout: Checkout, *, won: bool) -> None:
        dispute = self.stripe.dispute_of(checkout.intent)
        self._on_loop(lambda: self.stripe.close_dispute(dispute, won=won))

    def fail_next_refund(self) -> None:
        self.stripe.fail_next_refund()

    def settle_refunds(self) -> None:
        self._on_loop(self.stripe.settle_refunds)

    def hold_webhooks(self) -> None:
        self.stripe.delivery_mode = "held"

    def release_webhooks(self, *, order: str, duplicates: float) -> None:
        for _ in range(MAX_RELEASES):
            if not self.stripe.waiting_deliveries:
                return
            release = partial(
                self.stripe.release, shuffle=delivery_order(order), duplicate=duplicates
            )
            self._on_loop(release)
        assert not self.stripe.waiting_deliveries, "events are still refused after retries"

    def webhooks_refused(self) -> int:
        return len(self.stripe.failed_deliveries)

    # -- time and housekeeping ----------------------------------------------------------------

    def pass_time(self, by: timedelta) -> None:
        self.clock.advance(by)

    def reconcile(self) -> int:
        """What ``storepay reconcile`` does: there is no endpoint for it."""
        report = self._on_loop(lambda: self._service.use_cases().reconcile())
        assert report.failures == 0, report
        return report.payments_changed


def _refusal(method: str, path: str, response: Response) -> Exception:
    """A business refusal (a 4xx problem document) as :class:`Refused`; anything else fails."""
    problem = response.headers.get("content-type", "").startswith("application/problem+json")
    if problem and 400 <= response.status_code < 500:
        document = response.json()
        return Refused(document["code"], document.get("detail", ""))
    return AssertionError(f"{method} {path} answered {response.status_code}: {response.text}")


def _segment(value: str) -> str:
    """``value`` as one path segment."""
    return quote(value, safe="@")


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _money(amount: int, currency: str) -> Money:
    assert isinstance(amount, int), f"{amount!r} is not a whole number of minor units"
    return Money.of(amount, currency)


def _store_view(config: dict[str, Any]) -> StoreView:
    return StoreView(
        account=config["stripe_account_id"],
        account_status=config["account_status"],
        accepts_payments=config["accepts_payments"],
        needs_onboarding=config["needs_onboarding"],
        currency=config["currency"],
        payout_schedule=config["payout_schedule"],
        minimum_payout=_money(config["minimum_payout"], config["currency"]),
    )


def _order_view(order: dict[str, Any]) -> OrderView:
    return OrderView(
        id=order["id"],
        reference=order["reference"],
        customer_email=order["customer_email"],
        amount=_money(order["amount"], order["currency"]),
        status=order["status"],
        payment_status=order["payment_status"],
    )


def _breakdown(answer: dict[str, Any]) -> Breakdown:
    currency = answer["currency"]
    return Breakdown(
        total=_money(answer["amount_total"], currency),
        platform_fee=_money(answer["platform_fee"], currency),
        store_amount=_money(answer["amount_store"], currency),
    )


def _refund_view(refund: dict[str, Any]) -> RefundView:
    currency = refund["currency"]
    return RefundView(
        id=refund["id"],
        amount=_money(refund["amount"], currency),
        status=refund["status"],
        platform_fee_refunded=_money(refund["platform_fee_refunded"], currency),
        store_amount_refunded=_money(refund["store_amount_refunded"], currency),
    )


def _payment_view(payment: dict[str, Any]) -> PaymentView:
    currency = payment["currency"]
    total = _money(payment["amount_total"], currency)
    refunds = [_refund_view(refund) for refund in payment["refunds"]]
    return PaymentView(
        id=payment["id"],
        status=payment["status"],
        amount_total=total,
        amount_store=_money(payment["amount_store"], currency),
        amount_platform_fee=_money(payment["amount_platform_fee"], currency),
        amount_refunded=_money(payment["amount_refunded"], currency),
        refundable=_money(payment["amount_refundable"], currency),
        failure_reason=payment["failure_reason"],
        refunds=refunds,
    )


def _balance(line: dict[str, Any]) -> Balance:
    currency = line["currency"]
    return Balance(
        currency=currency,
        gross_volume=_money(line["gross_volume"], currency),
        platform_fees=_money(line["platform_fees"], currency),
        refunds=_money(line["refunds"], currency),
        fee_refunds=_money(line["fee_refunds"], currency),
        disputed=_money(line["disputed"], currency),
        net=_money(line["net"], currency),
    )


def _fees(line: dict[str, Any]) -> Fees:
    currency = line["currency"]
    return Fees(
        currency=currency,
        collected=_money(line["fees_collected"], currency),
        given_back=_money(line["fees_refunded"], currency),
        net=_money(line["net"], currency),
    )
