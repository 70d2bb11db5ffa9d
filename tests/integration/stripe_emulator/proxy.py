"""An ASGI proxy in front of localstripe that teaches it the parts of Stripe storepay needs and
localstripe lacks: Connect (Express accounts, account links, destination charges, refunds that
give the platform fee back and reverse the transfer), idempotency keys, a few request shapes
localstripe refuses, and webhooks shaped like today's API.

What it answers itself: ``/v1/accounts``, ``/v1/account_links``, idempotent replays, and a hosted
onboarding page. What it edits on the way: payment intents (``application_fee_amount``,
``transfer_data``, ``on_behalf_of``, ``transfer_group``, ``setup_future_usage``... are taken off
the request, kept per intent and put back on every answer), confirmations with a
``payment_method`` or ``payment_method_data`` (localstripe only confirms an intent that already
has one), refunds (``refund_application_fee``, ``reverse_transfer`` and ``reason`` kept per refund,
the platform fee and store share given back computed in proportion), declining test cards
(localstripe declines only ``4000000000000341`` at charge time: Stripe's other declining numbers
are charged as that number and answered with their own decline code). Everything else is
forwarded to localstripe untouched, ``Stripe-Account`` header excepted.

Events: localstripe's own signed events are relayed: verified, given today's shape
(``latest_charge`` an id, no ``charges`` list, the Connect fields back on the intent), then signed
again with the platform endpoint's secret. The proxy also sends what localstripe never does:
``account.updated`` to the Connect endpoint, ``refund.created`` and ``charge.refunded`` to the
platform endpoint. An event that is not acknowledged is sent again a few times, as Stripe does
(for days).

No money moves: application fees, transfers and their reversals exist only as numbers here.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import stripe

from .forms import Pairs, encode_pairs, flag, flatten, integer, nest, parse_pairs, top_level

JSON = dict[str, Any]
ASGIScope = dict[str, Any]
ASGIReceive = Callable[[], Awaitable[dict[str, Any]]]
ASGISend = Callable[[dict[str, Any]], Awaitable[None]]

API_VERSION: str = stripe.api_version
INTERNAL_KEY = "sk_test_stripe_emulator"  # what the proxy itself uses with localstripe
ACCOUNT_LINK_SECONDS = 300
DELIVERY_ATTEMPTS = 6
FIRST_RETRY_SECONDS = 0.25

# Stripe's test cards that decline, and how (code, decline_code, message).
DECLINES: dict[str, tuple[str, str, str]] = {
    "4000000000000002": ("card_declined", "generic_decline", "Your card was declined."),
    "4000000000009995": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "4000000000009987": ("card_declined", "lost_card", "Your card was declined."),
    "4000000000009979": ("card_declined", "stolen_card", "Your card was declined."),
    "4000000000000341": ("card_declined", "generic_decline", "Your card was declined."),
}
LOCALSTRIPE_DECLINING_CARD = "4000000000000341"  # the only number localstripe declines on charge
TEST_PAYMENT_METHODS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_visa_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeCustomerFail": "4000000000000341",
}

# Payment intent parameters localstripe refuses, kept here and put back on the answers.
INTENT_PARAMS_KEPT = (
    "application_fee_amount",
    "transfer_data",
    "on_behalf_of",
    "transfer_group",
    "setup_future_usage",
    "automatic_payment_methods",
    "receipt_email",
    "description",
    "statement_descriptor",
    "statement_descriptor_suffix",
)
CONFIRM_PARAMS = {
    "payment_method",
    "payment_method_data",
    "return_url",
    "key",
    "client_secret",
    "expand",
    "use_stripe_sdk",
    "setup_future_usage",
    "receipt_email",
    "payment_method_options",
    "mandate_data",
    "off_session",
    "error_on_requires_action",
}
REFUND_PARAMS_KEPT = ("refund_application_fee", "reverse_transfer", "reason", "instructions_email")
REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")
ACCOUNT_PARAMS = {
    "type",
    "controller",
    "country",
    "email",
    "business_type",
    "business_profile",
    "capabilities",
    "company",
    "individual",
    "metadata",
    "settings",
    "tos_acceptance",
    "default_currency",
    "external_account",
    "expand",
}
LINK_PARAMS = ("account", "type", "refresh_url", "return_url", "collect", "collection_options")
ONBOARDING_REQUIREMENTS = [
    "business_profile.mcc",
    "business_profile.url",
    "external_account",
    "representative.first_name",
    "representative.last_name",
    "tos_acceptance.date",
    "tos_acceptance.ip",
]
PAYOUT_INTERVALS = ("manual", "daily", "weekly", "monthly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
COUNTRY_CURRENCIES = {"US": "usd", "GB": "gbp", "CH": "chf", "JP": "jpy", "CA": "cad", "AU": "aud"}


def new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


def sign(payload: bytes, secret: str, at: int | None = None) -> str:
    """A ``Stripe-Signature`` header, as Stripe computes it."""
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def signature_matches(payload: bytes, header: str, secret: str) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    timestamp = parts.get("t", "")
    if not timestamp.isdigit():
        return False
    expected = sign(payload, secret, int(timestamp)).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


class StripeError(Exception):
    """An error answered the way Stripe shapes them."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        kind: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.document: JSON = {"type": kind, "message": message}
        if code is not None:
            self.document["code"] = code
        if param is not None:
            self.document["param"] = param


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    url: str
    secret: str


@dataclass(frozen=True, slots=True)
class SeenRequest:
    """A request that came to the emulator, as the client sent it (before any stripping)."""

    method: str
    path: str
    params: JSON
    stripe_account: str | None
    idempotency_key: str | None
    status: int


@dataclass(slots=True)
class Delivery:
    event_id: str
    type: str
    url: str
    object_id: str | None
    status: int | None = None
    attempts: int = 0


@dataclass(slots=True)
class DestinationCharge:
    """What localstripe does not keep of a payment intent."""

    intent_id: str
    kept: JSON = field(default_factory=dict)
    decline_code: str | None = None
    fee_id: str = field(default_factory=lambda: new_id("fee_"))
    transfer_id: str = field(default_factory=lambda: new_id("tr_"))

    @property
    def application_fee_amount(self) -> int | None:
        value = self.kept.get("application_fee_amount")
        return None if value is None else int(value)

    @property
    def destination(self) -> str | None:
        transfer = self.kept.get("transfer_data")
        return transfer.get("destination") if isinstance(transfer, dict) else None


@dataclass(frozen=True, slots=True)
class RefundRecord:
    id: str
    payment_intent: str
    charge: str
    amount: int
    reason: str | None
    refund_application_fee: bool
    reverse_transfer: bool
    application_fee_refunded: int  # computed in proportion: only a number, nothing moves
    transfer_reversed: int
    transfer_reversal_id: str | None


@dataclass(slots=True)
class AccountLink:
    id: str
    account: str
    type: str
    refresh_url: str | None
    return_url: str | None
    expires_at: int
    opened: bool = False
    completed: bool = False


@dataclass(frozen=True, slots=True)
class Incoming:
    method: str
    path: str
    query: Pairs
    headers: dict[str, str]
    body: bytes

    def form(self) -> Pairs:
        if not self.body:
            return []
        if self.headers.get("content-type", "").startswith("application/json"):
            document = json.loads(self.body)
            return flatten(document) if isinstance(document, dict) else []
        return parse_pairs(self.body)

    def params(self) -> JSON:
        return nest(self.query if self.method in ("GET", "DELETE") else self.form())

    @property
    def secret_key(self) -> str | None:
        header = self.headers.get("authorization", "")
        if header.startswith("Bearer sk_"):
            return header.removeprefix("Bearer ")
        return None


@dataclass(slots=True)
class Outgoing:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, document: object) -> Outgoing:
        return cls(status, json.dumps(document, indent=2).encode())

    @classmethod
    def error(cls, failure: StripeError) -> Outgoing:
        return cls.json(failure.status, {"error": failure.document})

    @classmethod
    def page(cls, status: int, text: str) -> Outgoing:
        return cls(status, text.encode(), "text/html; charset=utf-8")

    @classmethod
    def redirect(cls, location: str, status: int = 303) -> Outgoing:
        return cls(status, b"", "text/plain", [("location", location)])

    def document(self) -> Any:
        return json.loads(self.body)


Handler = Callable[[Incoming, re.Match[str]], Awaitable[Outgoing]]


class StripeEmulator:
    """The ASGI application. Point ``STRIPE_API_BASE`` at it; it forwards to ``upstream``."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.public_url = ""  # where it is served; account links point here
        self.platform_endpoint: WebhookEndpoint | None = None
        self.connect_endpoint: WebhookEndpoint | None = None
        self.relay_secret = "whsec_relay_" + secrets.token_hex(16)
        self.requests: list[SeenRequest] = []
        self.accounts: dict[str, JSON] = {}
        self.links: dict[str, AccountLink] = {}
        self.charges: dict[str, DestinationCharge] = {}
        self.refunds: dict[str, RefundRecord] = {}
        self.card_numbers: dict[str, str] = {}  # payment method id -> the number the shopper gave
        self.deliveries: list[Delivery] = []
        self.journal: list[str] = []
        self._replays: dict[tuple[str, str], tuple[str, Outgoing]] = {}
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("POST", re.compile(r"/v1/accounts"), self._create_account),
            ("GET", re.compile(r"/v1/accounts/(?P<id>acct_\w+)"), self._retrieve_account),
            ("POST", re.compile(r"/v1/accounts/(?P<id>acct_\w+)"), self._update_account),
            ("POST", re.compile(r"/v1/account_links"), self._create_account_link),
            ("POST", re.compile(r"/v1/payment_intents"), self._create_intent),
            ("GET", re.compile(r"/v1/payment_intents"), self._list_intents),
            ("GET", re.compile(r"/v1/payment_intents/(?P<id>pi_\w+)"), self._retrieve_intent),
            ("POST", re.compile(r"/v1/payment_intents/(?P<id>pi_\w+)"), self._update_intent),
            (
                "POST",
                re.compile(r"/v1/payment_intents/(?P<id>pi_\w+)/confirm"),
                self._confirm_intent,
            ),
            (
                "POST",
                re.compile(r"/v1/payment_intents/(?P<id>pi_\w+)/(?P<action>cancel|capture)"),
                self._intent_action,
            ),
            ("GET", re.compile(r"/v1/charges/(?P<id>ch_\w+)"), self._retrieve_charge),
            ("POST", re.compile(r"/v1/refunds"), self._create_refund),
            ("GET", re.compile(r"/v1/refunds/(?P<id>re_\w+)"), self._retrieve_refund),
            ("GET", re.compile(r"/v1/refunds"), self._list_refunds),
            ("POST", re.compile(r"/v1/payment_methods"), self._create_payment_method),
            (
                "GET",
                re.compile(r"/v1/payment_methods/(?P<id>pm_\w+)"),
                self._retrieve_payment_method,
            ),
            (
                "GET",
                re.compile(r"/v1/customers/(?P<id>cus_\w+)/payment_methods"),
                self._list_customer_payment_methods,
            ),
            ("GET", re.compile(r"/_emulator/onboarding/(?P<id>\w+)"), self._onboarding_page),
            (
                "POST",
                re.compile(r"/_emulator/onboarding/(?P<id>\w+)/complete"),
                self._onboarding_submitted,
            ),
            (
                "POST",
                re.compile(r"/_emulator/accounts/(?P<id>acct_\w+)/complete-onboarding"),
                self._complete_onboarding_control,
            ),
            ("POST", re.compile(r"/_emulator/localstripe-events"), self._relay_localstripe_event),
        ]

    # -- what tests read ---------------------------------------------------------------------

    @property
    def relay_url(self) -> str:
        """Where localstripe should post its events (``LocalStripe.register_webhook``)."""
        return f"{self.public_url}/_emulator/localstripe-events"

    def seen(self, method: str, path_pattern: str) -> list[SeenRequest]:
        pattern = re.compile(path_pattern)
        return [
            request
            for request in self.requests
            if request.method == method and pattern.fullmatch(request.path)
        ]

    def delivered(self, event_type: str, object_id: str | None = None) -> list[Delivery]:
        """The deliveries of ``event_type`` events (about ``object_id``, when given)."""
        return [
            delivery
            for delivery in self.deliveries
            if delivery.type == event_type and object_id in (None, delivery.object_id)
        ]

    async def complete_onboarding(self, account_id: str) -> Delivery | None:
        """The store finished Stripe's hosted onboarding: the account is enabled, and
        ``account.updated`` is sent (and awaited) to the Connect endpoint."""
        account = self._account(account_id)
        previous = {
            "charges_enabled": account["charges_enabled"],
            "payouts_enabled": account["payouts_enabled"],
            "details_submitted": account["details_submitted"],
            "requirements": dict(account["requirements"]),
        }
        account.update(charges_enabled=True, payouts_enabled=True, details_submitted=True)
        account["capabilities"] = dict.fromkeys(account["capabilities"], "active")
        account["requirements"].update(
            currently_due=[], eventually_due=[], past_due=[], disabled_reason=None
        )
        account["tos_acceptance"]["date"] = int(time.time())
        return await self._emit("account.updated", account, previous=previous, account=account_id)

    # -- ASGI ---------------------------------------------------------------------------------

    async def __call__(self, scope: ASGIScope, receive: ASGIReceive, send: ASGISend) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        incoming = Incoming(
            method=scope["method"],
            path=scope["path"],
            query=parse_pairs(scope.get("query_string", b"")),
            headers={key.decode().lower(): value.decode() for key, value in scope["headers"]},
            body=body,
        )
        answer = await self._handle(incoming)
        headers = [
            (b"content-type", answer.content_type.encode()),
            (b"request-id", new_id("req_").encode()),
            *((name.encode(), value.encode()) for name, value in answer.headers),
        ]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})

    async def _lifespan(self, receive: ASGIReceive, send: ASGISend) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def aclose(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _handle(self, incoming: Incoming) -> Outgoing:
        try:
            params = incoming.params()
        except (ValueError, UnicodeDecodeError):
            params = {}
        try:
            answer = await self._idempotent(incoming)
        except StripeError as failure:
            answer = Outgoing.error(failure)
        if incoming.path.startswith("/v1/"):
            self.requests.append(
                SeenRequest(
                    method=incoming.method,
                    path=incoming.path,
                    params=params,
                    stripe_account=incoming.headers.get("stripe-account"),
                    idempotency_key=incoming.headers.get("idempotency-key"),
                    status=answer.status,
                )
            )
        self.journal.append(f"{incoming.method} {incoming.path} -> {answer.status}")
        return answer

    async def _idempotent(self, incoming: Incoming) -> Outgoing:
        """Stripe replays the first answer to a key for 24 h; another body is an error."""
        key = incoming.headers.get("idempotency-key")
        if incoming.method != "POST" or key is None or not incoming.path.startswith("/v1/"):
            return await self._route(incoming)
        scope = (incoming.headers.get("authorization", ""), key)
        fingerprint = incoming.path + "?" + encode_pairs(sorted(incoming.form())).decode()
        replay = self._replays.get(scope)
        if replay is not None:
            first_fingerprint, first_answer = replay
            if first_fingerprint != fingerprint:
                raise StripeError(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters "
                    f"they were first used with. Try using a key other than '{key}' if you "
                    "meant to execute a different request.",
                    kind="idempotency_error",
                )
            return Outgoing(
                first_answer.status,
                first_answer.body,
                first_answer.content_type,
                [*first_answer.headers, ("idempotent-replayed", "true")],
            )
        answer = await self._route(incoming)
        if answer.status < 500:
            self._replays[scope] = (fingerprint, answer)
        return answer

    async def _route(self, incoming: Incoming) -> Outgoing:
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(incoming.path)
            if method == incoming.method and match is not None:
                keyless = incoming.path.startswith("/v1/") and incoming.secret_key is None
                browser = handler == self._confirm_intent and "key" in incoming.params()
                if keyless and not browser:
                    raise StripeError(401, "You did not provide an API key.")
                try:
                    return await handler(incoming, match)
                except (ValueError, KeyError) as bad:
                    raise StripeError(400, str(bad)) from None
        return await self._forward(incoming)

    # -- localstripe --------------------------------------------------------------------------

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.upstream, timeout=30)
        return self._client

    async def _forward(self, incoming: Incoming) -> Outgoing:
        headers = {
            name: value
            for name, value in incoming.headers.items()
            if name in ("authorization", "content-type", "accept", "origin")
        }
        answer = await self.client.request(
            incoming.method,
            incoming.path,
            params=incoming.query,
            content=incoming.body,
            headers=headers,
        )
        return Outgoing(
            answer.status_code,
            answer.content,
            answer.headers.get("content-type", "application/json"),
        )

    async def _upstream(
        self,
        method: str,
        path: str,
        data: Pairs | None = None,
        *,
        key: str | None = None,
        query: Pairs | None = None,
    ) -> tuple[int, JSON]:
        headers = {"Authorization": f"Bearer {key or INTERNAL_KEY}"}
        content = None
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            content = encode_pairs(data)
        answer = await self.client.request(
            method, path, params=query or [], content=content, headers=headers
        )
        document = answer.json()
        assert isinstance(document, dict), document
        return answer.status_code, document

    async def _upstream_ok(
        self, method: str, path: str, data: Pairs | None = None, *, key: str | None = None
    ) -> JSON:
        status, document = await self._upstream(method, path, data, key=key)
        if status >= 400:
            error = document.get("error", {})
            raise StripeError(status, str(error.get("message", "localstripe refused")))
        return document

    # -- connected accounts -------------------------------------------------------------------

    def _account(self, account_id: str) -> JSON:
        account = self.accounts.get(account_id)
        if account is None:
            raise StripeError(
                404, f"No such account: '{account_id}'", code="resource_missing", param="account"
            )
        return account

    async def _create_account(self, incoming: Incoming, _: re.Match[str]) -> Outgoing:
        params = incoming.params()
        for name in params:
            if name not in ACCOUNT_PARAMS:
                raise StripeError(400, f"Received unknown parameter: {name}", param=name)
        kind = params.get("type")
        controller = params.get("controller")
        if kind is None and controller is None:
            raise StripeError(400, "Either `type` or `controller` is required.", param="type")
        if kind is not None and kind not in ("express", "standard", "custom"):
            raise StripeError(400, f"Invalid type: {kind}", param="type")
        country = str(params.get("country", "US")).upper()
        account_id = "acct_" + secrets.token_hex(8)
        capabilities = params.get("capabilities") or {}
        requested = [
            name
            for name, wish in capabilities.items()
            if isinstance(wish, dict) and flag(wish.get("requested", "false"), name)
        ]
        account: JSON = {
            "id": account_id,
            "object": "account",
            "type": kind or _type_from_controller(controller),
            "controller": _controller(kind, controller),
            "business_profile": {
                "name": None,
                "url": None,
                "mcc": None,
                "support_email": None,
                **(params.get("business_profile") or {}),
            },
            "business_type": params.get("business_type"),
            "capabilities": dict.fromkeys(requested, "inactive"),
            "charges_enabled": False,
            "payouts_enabled": False,
            "details_submitted": False,
            "country": country,
            "created": int(time.time()),
            "default_currency": params.get("default_currency")
            or COUNTRY_CURRENCIES.get(country, "eur"),
            "email": params.get("email"),
            "metadata": params.get("metadata") or {},
            "requirements": {
                "alternatives": [],
                "current_deadline": None,
                "currently_due": list(ONBOARDING_REQUIREMENTS),
                "eventually_due": list(ONBOARDING_REQUIREMENTS),
                "past_due": list(ONBOARDING_REQUIREMENTS),
                "pending_verification": [],
                "errors": [],
                "disabled_reason": "requirements.past_due",
            },
            "settings": {
                "payouts": {
                    "debit_negative_balances": True,
                    "schedule": {"delay_days": 7, "interval": "daily"},
                    "statement_descriptor": None,
                }
            },
            "tos_acceptance": {"date": None},
            "external_accounts": {
                "object": "list",
                "data": [],
                "has_more": False,
                "url": f"/v1/accounts/{account_id}/external_accounts",
            },
            "livemode": False,
        }
        for detail in ("company", "individual"):
            if detail in params:
                account[detail] = params[detail]
        settings = params.get("settings") or {}
        if settings:
            _apply_settings(account, settings)
        self.accounts[account_id] = account
        return Outgoing.json(200, account)

    async def _retrieve_account(self, _: Incoming, match: re.Match[str]) -> Outgoing:
        return Outgoing.json(200, self._account(match["id"]))

    async def _update_account(self, incoming: Incoming, match: re.Match[str]) -> Outgoing:
        account = self._account(match["id"])
        params = incoming.params()
        for name in params:
            if name not in ACCOUNT_PARAMS or name in ("type", "controller", "country"):
                raise StripeError(400, f"Received unknown parameter: {name}", param=name)
        before = json.loads(json.dumps(account))
        if "settings" in params:
            _apply_settings(account, params["settings"])
        for name in ("email", "business_type", "default_currency"):
            if name in params:
                account[name] = params[name]
        for name in ("business_profile", "metadata", "company", "individual"):
            if isinstance(params.get(name), dict):
                account.setdefault(name, {}).update(params[name])
        previous = {key: before[key] for key in before if before[key] != account[key]}
        if previous:
            self._spawn(
                self._emit("account.updated", account, previous=previous, account=account["id"])
            )
        return Outgoing.json(200, account)

    async def _create_account_link(self, incoming: Incoming, _: re.Match[str]) -> Outgoing:
        params = incoming.params()
        account_id = params.get("account")
        if not account_id:
            raise StripeError(400, "Missing required param: account.", param="account")
        self._account(account_id)
        kind = params.get("type")
        if kind not in ("account_onboarding", "account_update"):
            raise StripeError(400, f"Invalid type: {kind}", param="type")
        for name in params:
            if name not in LINK_PARAMS:
                raise StripeError(400, f"Received unknown parameter: {name}", param=name)
        now = int(time.time())
        link = AccountLink(
            id=secrets.token_hex(12),
            account=account_id,
            type=kind,
            refresh_url=params.get("refresh_url"),
            return_url=params.get("return_url"),
            expires_at=now + ACCOUNT_LINK_SECONDS,
        )
        self.links[link.id] = link
        return Outgoing.json(
            200,
            {
                "object": "account_link",
                "created": now,
                "expires_at": link.expires_at,
                "url": f"{self.public_url}/_emulator/onboarding/{link.id}",
            },
        )

    async def _onboarding_page(self, _: Incoming, match: re.Match[str]) -> Outgoing:
        """Stripe's hosted onboarding. A link is single-use and expires: a stale one sends the
        visitor to ``refresh_url``, which is to mint a fresh one."""
        link = self.links.get(match["id"])
        if link is None:
            return Outgoing.page(404, "<h1>Unknown onboarding link</h1>")
        if link.opened or link.expires_at < time.time():
            if link.refresh_url:
                return Outgoing.redirect(link.refresh_url, 302)
            return Outgoing.page(410, "<h1>This link has expired</h1>")
        link.opened = True
        account = self._account(link.account)
        name = html.escape(str(account["business_profile"].get("name") or account["id"]))
        return Outgoing.page(
            200,
            f"<h1>Onboarding {name}</h1>"
            f'<form method="post" action="/_emulator/onboarding/{link.id}/complete">'
            "<button>Submit details</button></form>",
        )

    async def _onboarding_submitted(self, _: Incoming, match: re.Match[str]) -> Outgoing:
        link = self.links.get(match["id"])
        if link is None or not link.opened or link.completed:
            return Outgoing.page(400, "<h1>Open the onboarding link first</h1>")
        link.completed = True
        await self.complete_onboarding(link.account)
        if link.return_url:
            return Outgoing.redirect(link.return_url)
        return Outgoing.page(200, "<h1>Done</h1>")

    async def _complete_onboarding_control(self, _: Incoming, match: re.Match[str]) -> Outgoing:
        delivery = await self.complete_onboarding(match["id"])
        return Outgoing.json(
            200,
            {
                "account": self.accounts[match["id"]],
                "delivered": None if delivery is None else delivery.status,
            },
        )

    # -- payment intents ----------------------------------------------------------------------

    def _charge_record(self, intent_id: str) -> DestinationCharge:
        return self.charges.setdefault(intent_id, DestinationCharge(intent_id))

    def _check_connect_params(self, kept: JSON, amount: int | None, incoming: Incoming) -> None:
        if "application_fee_amount" in kept:
            fee = integer(kept["application_fee_amount"], "application_fee_amount")
            if fee < 0 or (amount is not None and fee > amount):
                raise StripeError(
                    400,
                    "The application fee must be between 0 and the amount.",
                    param="application_fee_amount",
                )
            kept["application_fee_amount"] = fee
            direct = "stripe-account" in incoming.headers
            if not (direct or "transfer_data" in kept or "on_behalf_of" in kept):
                raise StripeError(
                    400,
                    "Can only apply an application_fee_amount when the PaymentIntent is "
                    "attempting a direct payment (using an OAuth key or Stripe-Account header) "
                    "or destination payment (using `transfer_data[destination]`).",
                    param="application_fee_amount",
                )
        transfer = kept.get("transfer_data")
        if transfer is not None:
            destination = transfer.get("destination") if isinstance(transfer, dict) else None
            if not destination:
                raise StripeError(
                    400,
                    "Missing required param: transfer_data[destination].",
                    param="transfer_data",
                )
            account = self.accounts.get(destination)
            if account is None:
                raise StripeError(
                    400,
                    f"No such destination: '{destination}'",
                    code="resource_missing",
                    param="transfer_data[destination]",
                )
            if account["capabilities"].get("transfers") != "active":
                raise StripeError(
                    400,
                    "Your destination account needs to have at least one of the following "
                    "capabilities enabled: transfers, crypto_transfers, legacy_payments",
                    code="insufficient_capabilities_for_transfer",
                    param="transfer_data[destination]",
                )

    async def _create_intent(self, incoming: Incoming, _: re.Match[str]) -> Outgoing:
        forwarded, kept = _split(incoming.form(), INTENT_PARAMS_KEPT)
        amount_text = dict(forwarded).get("amount")
        amount = integer(amount_text, "amount") if amount_text is not None else None
        self._check_connect_params(kept, amount, incoming)
        status, intent = await self._upstream(
            "POST", "/v1/payment_intents", forwarded, key=incoming.secret_key
        )
        if status == 200:
            self._charge_record(intent["id"]).kept.update(kept)
            intent = await self._decorate_intent(intent, _expand(incoming))
        return Outgoing.json(status, intent)

    async def _update_intent(self, incoming: Incoming, match: re.Match[str]) -> Outgoing:
        forwarded, kept = _split(incoming.form(), INTENT_PARAMS_KEPT)
        path = f"/v1/payment_intents/{match['id']}"
        status, intent = await self._upstream("GET", path, key=incoming.secret_key)
        if status != 200:
            return Outgoing.json(status, intent)
        merged = {**self._charge_record(intent["id"]).kept, **kept}
        self._check_connect_params(merged, intent["amount"], incoming)
        if [pair for pair in forwarded if top_level(pair[0]) != "expand"]:
            status, intent = await self._upstream("POST", path, forwarded, key=incoming.secret_key)
        if status == 200:
            self._charge_record(intent["id"]).kept.update(kept)
            intent = await self._decorate_intent(intent, _expand(incoming))
        return Outgoing.json(status, intent)

    async def _retrieve_intent(self, incoming: Incoming, match: re.Match[str]) -> Outgoing:
        status, intent = await self._upstream(
            "GET", f"/v1/payment_intents/{match['id']}", key=incoming.secret_key
        )
        if status == 200:
            intent = await self._decorate_intent(intent, _expand(incoming))
        return Outgoing.json(status, intent)

    async def _list_intents(self, incoming: Incoming, _: re.Match[str]) -> Outgoing:
        status, page = await self._upstream(
            "GET", "/v1/payment_intents", key=incoming.secret_key, query=incoming.query
        )
        if status == 200:
            expand = [path.removeprefix("data.") for path in _expand(incoming)]
            page["data"] = [await self._decorate_intent(item, expand) for item in page["data"]]
        return Outgoing.json(status, page)

    async def _intent_action(self, incoming: Incoming, match: re.Match[str]) -> Outgoing:
        forwarded, kept = _split(incoming.form(), ("cancellation_reason",))
        path = f"/v1/payment_intents/{match['id']}/{match['action']}"
        status, intent = await self._upstream("POST", path, forwarded, key=incoming.secret_key)
        if status == 200:
            self._charge_record(intent["id"]).kept.update(kept)
            intent = await self._decorate_intent(intent, _expand(incoming))
        return Outgoing.json(status, intent)

    async def _confirm_intent(self, incoming: Incoming, match: re.Match[str]) -> Outgoing:
        """Confirm with the shopper's card, as Stripe.js does (publishable key + client secret)
        or as a server does (secret key). localstripe confirms only an intent that already has
        a payment method, and refuses every parameter: the proxy sets the method first."""
        intent_id = match["id"]
        params = incoming.params()
        for name in params:
            if name not in CONFIRM_PARAMS:
                raise StripeError(400, f"Received unknown parameter: {name}", param=name)
        key = incoming.secret_key
        if key is None:
            if not str(params.get("key", "")).startswith("pk_"):
                raise StripeError(401, "You did not provide an API key.")
            _, current = await self._upstream("GET", f"/v1/payment_intents/{intent_id}")
            if params.get("client_secret") != current.get("client_secret"):
                raise StripeError(
                    400,
                    "The client_secret provided does not match the client_secret associated "
                    "with the PaymentIntent.",
                    param="client_secret",
                )
        method = params.get("payment_method")
        method_data = params.get("payment_method_data")
        if isinstance(method_data, dict):
            method = (await self._new_card(method_data, key))["id"]
        elif isinstance(method, str) and method in TEST_PAYMENT_METHODS:
            number = TEST_PAYMENT_METHODS[method]
            card = {"number": number, "exp_month": "12", "exp_year": "2034", "cvc": "123"}
            method = (await self._new_card({"type": "card", "card": card}, key))["id"]
        record = self._charge_record(intent_id)
        for name in ("setup_future_usage", "receipt_email"):
            if name in params:
                record.kept[name] = params[name]
        if method is not None:
            status, intent = await self._upstream(
                "POST", f"/v1/payment_intents/{intent_id}", [("payment_method", method)], key=key
            )
            if status != 200:
                return Outgoing.json(status, intent)
        else:
            status, intent = await self._upstream("GET", f"/v1/payment_intents/{intent_id}")
            if status != 200:
                return Outgoing.json(status, intent)
            method = intent.get("payment_method")
        number = self.card_numbers.get(str(method), "")
        record.decline_code = DECLINES[number][1] if number in DECLINES else None
        status, answer = await self._upstream(
            "POST", f"/v1/payment_intents/{intent_id}/confirm", [], key=key
        )
        if status == 402:
            _, current = await self._upstream("GET", f"/v1/payment_intents/{intent_id}")
            code, decline_code, message = DECLINES.get(number, DECLINES[LOCALSTRIPE_DECLINING_CARD])
            error = {
                **answer.get("error", {}),
                "type": "card_error",
                "code": code,
                "decline_code": decline_code,
                "message": message,
                "payment_intent": await self._decorate_intent(current, []),
            }
            return Outgoing.json(402, {"error": error})
        if status != 200:
            return Outgoing.json(status, answer)
        customer = answer.get("customer")
        if customer and record.kept.get("setup_future_usage") and answer["status"] == "succeeded":
            # Stripe saves the card on the customer once the payment succeeds.
            await self._upstream_ok(
                "POST", f"/v1/payment_methods/{method}/attach", [("customer", customer)]
            )
        return Outgoing.json(200, await self._decorate_intent(answer, _expand(incoming)))

    async def _decorate_intent(self, intent: JSON, expand: list[str]) -> JSON:
        """localstripe's intent in today's shape, with what it was not told put back."""
        record = self.charges.get(intent["id"]) or DestinationCharge(intent["id"])
        latest = intent.get("latest_charge")
        if isinstance(latest, dict):
            if "latest_charge" in expand:
                intent["latest_charge"] = self._decorate_charge(latest)
            else:
                intent["latest_charge"] = latest["id"]
        intent.pop("charges", None)
        intent.setdefault("amount_capturable", 0)
        intent["amount_received"] = intent["amount"] if intent.get("status") == "succeeded" else 0
        intent.setdefault("payment_method_types", ["card"])
        intent.setdefault("cancellation_reason", None)
        for name in INTENT_PARAMS_KEPT:
            intent[name] = record.kept.get(name)
        if record.application_fee_amount is not None:
            intent["application_fee_amount"] = record.application_fee_amount
        intent["cancellation_reason"] = record.kept.get("cancellation_reason")
        error = intent.get("last_payment_error")
        if isinstance(error, dict):
            error["type"] = "card_error"
            error["decline_code"] = record.decline_code
            error["payment_method"] = {
                "id": intent.get("payment_method"),
                "object": "payment_method",
            }
        return intent

    def _decorate_charge(self, charge: JSON) -> JSON:
        record = self.charges.get(str(charge.get("payment_intent"))) or DestinationCharge("")
        fee = record.application_fee_amount
        destination = record.destination
        succeeded = charge.get("status") == "succeeded"
        charge["application_fee_amount"] = fee
        charge["application_fee"] = record.fee_id if fee is not None and succeeded else None
        charge["transfer_data"] = None if destination is None else {"destination": destination}
        charge["transfer"] = record.transfer_id if destination is not None and succeeded else None
        charge["on_behalf_of"] = record.kept.get("on_behalf_of")
        if charge.get("status") == "failed":
            charge["outcome"] = {"type": "issuer_declined", "reason": record.decline_code}
        number = self.card_numbers.get(str(charge.get("payment_method")))
        if number is not None:
            charge["payment_method_details"] = {"type": "card", "card": {"last4": number[-4:]}}
        return charge

    async def _retrieve_charge(self, incoming: Incoming, match: re.Match[str]) -> Outgoing:
        status, charge = await self._upstream(
            "GET", f"/v1/charges/{match['id']}", key=incoming.secret_key
        )
        return Outgoing.json(status, self._decorate_charge(charge) if status == 200 else charge)

    # -- payment methods ----------------------------------------------------------------------

    async def _new_card(self, data: JSON, key: str | None) -> JSON:
        """A card payment method at localstripe; a declining number is created as the one
        localstripe declines, and remembered as the number the shopper gave."""
        if data.get("type") != "card" or not isinstance(data.get("card"), dict):
            raise StripeError(400, "The emulator only takes card payment methods.", param="type")
        card = data["card"]
        number = str(card.get("number", "")).replace(" ", "")
        charged_as = LOCALSTRIPE_DECLINING_CARD if number in DECLINES else number
        pairs: Pairs = [
            ("type", "card"),
            ("card[number]", charged_as),
            ("card[exp_month]", str(card.get("exp_month", "12"))),
            ("card[exp_year]", str(card.get("exp_year", "2034"))),
            ("card[cvc]", str(card.get("cvc", "123"))),
        ]
        if isinstance(data.get("billing_details"), dict):
            pairs += flatten({"billing_details": data["billing_details"]})
        method = await self._upstream_ok("POST", "/v1/payment_methods", pairs, key=key)
        self.card_numbers[method["id"]] = number
        return self._decorate_payment_method(method)

    def _decorate_payment_method(self, method: JSON) -> JSON:
        number = self.card_numbers.get(method["id"])
        if number is not None and isinstance(method.get("card"), dict):
            method["card"]["last4"] = number[-4:]
        return method

    async def _create_payment_method(self, incoming: Incoming, _: re.Match[str]) -> Outgoing:
        return Outgoing.json(200, await self._new_card(incoming.params(), incoming.secret_key))

    async def _retrieve_payment_method(self, incoming: Incoming, match: re.Match[str]) -> Outgoing:
        status, method = await self._upstream(
            "GET", f"/v1/payment_methods/{match['id']}", key=incoming.secret_key
        )
        if status == 200:
            method = self._decorate_payment_method(method)
        return Outgoing.json(status, method)

    async def _list_customer_payment_methods(
        self, incoming: Incoming, match: re.Match[str]
    ) -> Outgoing:
        """``GET /v1/customers/{id}/payment_methods``: localstripe only knows the older
        ``GET /v1/payment_methods?customer=...&type=card``."""
        query = [(name, value) for name, value in incoming.query if name != "type"]
        query += [("customer", match["id"]), ("type", dict(incoming.query).get("type", "card"))]
        status, page = await self._upstream(
            "GET", "/v1/payment_methods", key=incoming.secret_key, query=query
        )
        if status == 200:
            page["data"] = [self._decorate_payment_method(item) for item in page["data"]]
        return Outgoing.json(status, page)

    # -- refunds ------------------------------------------------------------------------------

    async def _create_refund(self, incoming: Incoming, _: re.Match[str]) -> Outgoing:
        forwarded, kept = _split(incoming.form(), REFUND_PARAMS_KEPT)
        fields = dict(forwarded)
        reason = kept.get("reason")
        if reason is not None and reason not in REFUND_REASONS:
            raise StripeError(400, f"Invalid reason: {reason}", param="reason")
        fee_back = flag(kept.get("refund_application_fee", "false"), "refund_application_fee")
        reverse = flag(kept.get("reverse_transfer", "false"), "reverse_transfer")
        if "payment_intent" in fields:
            _, intent = await self._upstream(
                "GET", f"/v1/payment_intents/{fields['payment_intent']}", key=incoming.secret_key
            )
            charge = intent.get("latest_charge")
        elif "charge" in fields:
            _, charge = await self._upstream(
                "GET", f"/v1/charges/{fields['charge']}", key=incoming.secret_key
            )
        else:
            raise StripeError(400, "One of `charge` or `payment_intent` is required.")
        if not isinstance(charge, dict) or "id" not in charge:
            return await self._refund_upstream(forwarded, incoming)  # localstripe's own error
        left = charge["amount"] - charge["amount_refunded"]
        if left <= 0:
            raise StripeError(
                400,
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = integer(fields["amount"], "amount") if "amount" in fields else left
        if amount > left:
            raise StripeError(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                param="amount",
            )
        record = self.charges.get(str(charge.get("payment_intent")))
        if (fee_back or reverse) and (record is None or record.destination is None):
            raise StripeError(
                400,
                "refund_application_fee and reverse_transfer apply only to charges with "
                "an application fee or a transfer.",
            )
        # localstripe refunds the whole charge when no amount is given, not what is left of it.
        forwarded = [pair for pair in forwarded if pair[0] != "amount"] + [("amount", str(amount))]
        answer = await self._refund_upstream(forwarded, incoming)
        if answer.status != 200 or record is None:
            return answer
        refund = answer.document()
        refund_record = self._record_refund(
            refund, charge, record, amount=amount, reason=reason, fee_back=fee_back, reverse=reverse
        )
        decorated = self._decorate_refund(refund)
        self._spawn(self._announce_refund(decorated, charge["id"], refund_record))
        return Outgoing.json(200, decorated)

    async def _refund_upstream(self, forwarded: Pairs, incoming: Incoming) -> Outgoing:
        status, refund = await self._upstream(
            "POST", "/v1/refunds", forwarded, key=incoming.secret_key
        )
        return Outgoing.json(status, refund)

    def _record_refund(
        self,
        refund: JSON,
        charge: JSON,
        record: DestinationCharge,
        *,
        amount: int,
        reason: str | None,
        fee_back: bool,
        reverse: bool,
    ) -> RefundRecord:
        """The fee and the store's share given back in proportion to the refund, all that is
        left of them with the last refund (rounded half up: Stripe does not document it)."""
        total = charge["amount"]
        fee = record.application_fee_amount or 0
        share = total - fee
        earlier = [item for item in self.refunds.values() if item.charge == charge["id"]]
        fee_left = fee - sum(item.application_fee_refunded for item in earlier)
        share_left = share - sum(item.transfer_reversed for item in earlier)
        final = charge["amount_refunded"] + amount >= total
        fee_refunded = fee_left if final else min(fee_left, _proportion(fee, amount, total))
        reversed_share = share_left if final else min(share_left, _proportion(share, amount, total))
        refund_record = RefundRecord(
            id=refund["id"],
            payment_intent=str(charge.get("payment_intent")),
            charge=charge["id"],
            amount=amount,
            reason=reason,
            refund_application_fee=fee_back,
            reverse_transfer=reverse,
            application_fee_refunded=fee_refunded if fee_back else 0,
            transfer_reversed=reversed_share if reverse else 0,
            transfer_reversal_id=new_id("trr_") if reverse else None,
        )
        self.refunds[refund["id"]] = refund_record
        return refund_record

    def _decorate_refund(self, refund: JSON) -> JSON:
        record = self.refunds.get(refund["id"])
        refund.pop("date", None)
        refund.setdefault("failure_reason", None)
        refund["source_transfer_reversal"] = None
        refund["reason"] = None if record is None else record.reason
        refund["transfer_reversal"] = None if record is None else record.transfer_reversal_id
        if refund.get("payment_intent") is None and record is not None:
            refund["payment_intent"] = record.payment_intent
        return refund

    async def _announce_refund(self, refund: JSON, charge_id: str, record: RefundRecord) -> None:
        await self._emit("refund.created", refund)
        status, charge = await self._upstream("GET", f"/v1/charges/{charge_id}")
        if status == 200:
            charge = self._decorate_charge(charge)
            previous = {"amount_refunded": charge["amount_refunded"] - record.amount}
            await self._emit("charge.refunded", charge, previous=previous)

    async def _retrieve_refund(self, incoming: Incoming, match: re.Match[str]) -> Outgoing:
        status, refund = await self._upstream(
            "GET", f"/v1/refunds/{match['id']}", key=incoming.secret_key
        )
        return Outgoing.json(status, self._decorate_refund(refund) if status == 200 else refund)

    async def _list_refunds(self, incoming: Incoming, _: re.Match[str]) -> Outgoing:
        status, page = await self._upstream(
            "GET", "/v1/refunds", key=incoming.secret_key, query=incoming.query
        )
        if status == 200:
            page["data"] = [self._decorate_refund(item) for item in page["data"]]
        return Outgoing.json(status, page)

    # -- events -------------------------------------------------------------------------------

    def _spawn(self, work: Awaitable[object]) -> None:
        async def run() -> None:
            await work

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _emit(
        self,
        event_type: str,
        obj: JSON,
        *,
        previous: JSON | None = None,
        account: str | None = None,
        event_id: str | None = None,
        created: int | None = None,
    ) -> Delivery | None:
        event: JSON = {
            "id": event_id or new_id("evt_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": created or int(time.time()),
            "data": {"object": json.loads(json.dumps(obj))},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        if previous is not None:
            event["data"]["previous_attributes"] = previous
        if account is not None:
            event["account"] = account
        endpoint = self.connect_endpoint if account is not None else self.platform_endpoint
        if endpoint is None:
            return None
        return await self._deliver(endpoint, event)

    async def _deliver(self, endpoint: WebhookEndpoint, event: JSON) -> Delivery:
        """Post a signed event until it is acknowledged (2xx), as Stripe does."""
        obj = event["data"]["object"]
        delivery = Delivery(event["id"], event["type"], endpoint.url, obj.get("id"))
        self.deliveries.append(delivery)
        payload = json.dumps(event, indent=2).encode()
        pause = FIRST_RETRY_SECONDS
        for _ in range(DELIVERY_ATTEMPTS):
            delivery.attempts += 1
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": sign(payload, endpoint.secret),
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            }
            try:
                answer = await self.client.post(endpoint.url, content=payload, headers=headers)
                delivery.status = answer.status_code
            except httpx.HTTPError:
                delivery.status = None
            if delivery.status is not None and 200 <= delivery.status < 300:
                break
            await asyncio.sleep(pause)
            pause *= 2
        self.journal.append(f"event {event['type']} -> {endpoint.url}: {delivery.status}")
        return delivery

    async def _relay_localstripe_event(self, incoming: Incoming, _: re.Match[str]) -> Outgoing:
        """localstripe's own signed event, in today's shape, signed again for storepay."""
        signature = incoming.headers.get("stripe-signature", "")
        if not signature_matches(incoming.body, signature, self.relay_secret):
            return Outgoing.json(400, {"error": {"message": "bad relay signature"}})
        event = json.loads(incoming.body)
        obj = event["data"]["object"]
        if obj.get("object") == "payment_intent":
            obj = await self._decorate_intent(obj, [])
        elif obj.get("object") == "charge":
            obj = self._decorate_charge(obj)
        delivery = await self._emit(
            event["type"], obj, event_id=event["id"], created=event["created"]
        )
        status = 200 if delivery is None or delivery.status is None else delivery.status
        return Outgoing.json(status, {"relayed": delivery is not None})


def _split(pairs: Pairs, kept_names: tuple[str, ...]) -> tuple[Pairs, JSON]:
    """The pairs localstripe takes, and the named parameters kept back (nested)."""
    forwarded = [pair for pair in pairs if top_level(pair[0]) not in kept_names]
    kept = nest([pair for pair in pairs if top_level(pair[0]) in kept_names])
    return forwarded, kept


def _expand(incoming: Incoming) -> list[str]:
    expand = incoming.params().get("expand") or []
    return [str(item) for item in expand] if isinstance(expand, list) else [str(expand)]


def _proportion(part: int, amount: int, total: int) -> int:
    return (2 * part * amount + total) // (2 * total)


def _type_from_controller(controller: object) -> str:
    if isinstance(controller, dict):
        dashboard = controller.get("stripe_dashboard")
        if isinstance(dashboard, dict) and dashboard.get("type") in ("express", "full"):
            return "express" if dashboard["type"] == "express" else "standard"
    return "none"


def _controller(kind: str | None, controller: object) -> JSON:
    if isinstance(controller, dict):
        return {"type": "application", "is_controller": True, **controller}
    if kind == "standard":
        return {"type": "account"}
    return {"type": "application", "is_controller": True}


def _apply_settings(account: JSON, settings: object) -> None:
    if not isinstance(settings, dict):
        raise StripeError(400, "Invalid settings", param="settings")
    payouts = settings.get("payouts") or {}
    schedule = payouts.get("schedule") if isinstance(payouts, dict) else None
    if schedule is None:
        return
    current = account["settings"]["payouts"]["schedule"]
    interval = schedule.get("interval", current["interval"])
    if interval not in PAYOUT_INTERVALS:
        raise StripeError(
            400, f"Invalid interval: {interval}", param="settings[payouts][schedule][interval]"
        )
    updated: JSON = {"delay_days": current.get("delay_days", 7), "interval": interval}
    if "delay_days" in schedule:
        delay = schedule["delay_days"]
        updated["delay_days"] = delay if delay == "minimum" else integer(delay, "delay_days")
    if interval == "weekly":
        anchor = schedule.get("weekly_anchor", current.get("weekly_anchor", "monday"))
        if anchor not in WEEKDAYS:
            raise StripeError(
                400,
                f"Invalid weekly_anchor: {anchor}",
                param="settings[payouts][schedule][weekly_anchor]",
            )
        updated["weekly_anchor"] = anchor
    elif "weekly_anchor" in schedule:
        raise StripeError(
            400,
            "weekly_anchor can only be set when interval is weekly.",
            param="settings[payouts][schedule][weekly_anchor]",
        )
    if interval == "monthly":
        anchor_value = schedule.get("monthly_anchor", current.get("monthly_anchor", 1))
        anchor = integer(str(anchor_value), "monthly_anchor")
        if not 1 <= anchor <= 31:
            raise StripeError(
                400,
                f"Invalid monthly_anchor: {anchor}",
                param="settings[payouts][schedule][monthly_anchor]",
            )
        updated["monthly_anchor"] = anchor
    elif "monthly_anchor" in schedule:
        raise StripeError(
            400,
            "monthly_anchor can only be set when interval is monthly.",
            param="settings[payouts][schedule][monthly_anchor]",
        )
    account["settings"]["payouts"]["schedule"] = updated
