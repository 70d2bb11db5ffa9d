"""Stripe's HTTP API over the emulator: paths and methods, API keys, idempotency keys as Stripe
honours them, lists with their pagination, and errors as Stripe answers them.

:class:`StripeApi` answers one request, ``(method, path, fields, headers)``, with
``(status, body, headers)``: the same whether the request came in process (:mod:`.transport`) or
over a socket (:mod:`.asgi`).
"""

from __future__ import annotations

import hmac
import itertools
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

from adapters.stripe_emulator import world
from adapters.stripe_emulator.delivery import DETACHED
from adapters.stripe_emulator.emulator import StripeEmulator
from adapters.stripe_emulator.records import JSON
from adapters.stripe_emulator.requests import EmulatorError, Params, decode

Handler = Callable[[StripeEmulator, Mapping[str, str], Params], Awaitable[JSON | list[JSON]]]
Answer = tuple[int, JSON, dict[str, str]]
DEFAULT_PAGE = 10
IDEMPOTENCY_KEY_LIFETIME = timedelta(hours=24)
MAX_PAGE = 100
_ID = r"[A-Za-z0-9_]+"
CONNECTED_ACCOUNT = "Stripe-Account"
"""Where a handler finds the ``Stripe-Account`` header among a request's path groups."""


@dataclass(frozen=True, slots=True)
class Route:
    name: str
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    world: bool  # what a shopper, store or bank does: it answers once its events are delivered


def _route(name: str, method: str, path: str, handler: Handler, *, world: bool = False) -> Route:
    pattern = re.sub(r"\{(\w+)\}", lambda m: f"(?P<{m[1]}>{_ID})", path)
    return Route(name, method, re.compile(pattern), handler, world)


ROUTES: tuple[Route, ...] = (
    _route("create an account", "POST", "/v1/accounts", lambda e, _, p: e.create_account(p)),
    _route(
        "retrieve an account",
        "GET",
        "/v1/accounts/{account}",
        lambda e, g, _: e.retrieve_account(g["account"]),
    ),
    _route(
        "update an account",
        "POST",
        "/v1/accounts/{account}",
        lambda e, g, p: e.update_account(g["account"], p),
    ),
    _route(
        "create an account link",
        "POST",
        "/v1/account_links",
        lambda e, _, p: e.create_account_link(p),
    ),
    _route(
        "create a payment intent",
        "POST",
        "/v1/payment_intents",
        lambda e, _, p: e.create_payment_intent(p),
    ),
    _route(
        "retrieve a payment intent",
        "GET",
        "/v1/payment_intents/{intent}",
        lambda e, g, p: e.retrieve_payment_intent(g["intent"], p),
    ),
    _route(
        "confirm a payment intent",
        "POST",
        "/v1/payment_intents/{intent}/confirm",
        lambda e, g, p: e.confirm_payment_intent(g["intent"], p),
        world=True,
    ),
    _route(
        "cancel a payment intent",
        "POST",
        "/v1/payment_intents/{intent}/cancel",
        lambda e, g, _: e.cancel_payment_intent(g["intent"]),
    ),
    _route("create a refund", "POST", "/v1/refunds", lambda e, _, p: e.create_refund(p)),
    _route(
        "retrieve a refund",
        "GET",
        "/v1/refunds/{refund}",
        lambda e, g, _: e.retrieve_refund(g["refund"]),
    ),
    _route("list customers", "GET", "/v1/customers", lambda e, _, p: e.list_customers(p)),
    _route("create a customer", "POST", "/v1/customers", lambda e, _, p: e.create_customer(p)),
    _route(
        "list a customer's payment methods",
        "GET",
        "/v1/customers/{customer}/payment_methods",
        lambda e, g, p: e.list_payment_methods(g["customer"], p),
    ),
    _route(
        "detach a payment method",
        "POST",
        "/v1/payment_methods/{method}/detach",
        lambda e, g, _: e.detach_payment_method(g["method"]),
    ),
    _route(
        "retrieve a balance",
        "GET",
        "/v1/balance",
        lambda e, g, _: e.retrieve_balance(g.get(CONNECTED_ACCOUNT)),
    ),
    _route(
        "list balance transactions",
        "GET",
        "/v1/balance_transactions",
        lambda e, g, p: e.list_balance_transactions(g.get(CONNECTED_ACCOUNT), p),
    ),
    _route(
        "retrieve a balance transaction",
        "GET",
        "/v1/balance_transactions/{transaction}",
        lambda e, g, _: e.retrieve_balance_transaction(g["transaction"]),
    ),
    _route(
        "retrieve a charge",
        "GET",
        "/v1/charges/{charge}",
        lambda e, g, p: e.retrieve_charge(g["charge"], p),
    ),
    _route(
        "list application fees",
        "GET",
        "/v1/application_fees",
        lambda e, _, p: e.list_application_fees(p),
    ),
    _route(
        "retrieve an application fee",
        "GET",
        "/v1/application_fees/{fee}",
        lambda e, g, _: e.retrieve_application_fee(g["fee"]),
    ),
    _route(
        "refund an application fee",
        "POST",
        "/v1/application_fees/{fee}/refunds",
        lambda e, g, p: e.refund_application_fee(g["fee"], p),
    ),
    _route(
        "list an application fee's refunds",
        "GET",
        "/v1/application_fees/{fee}/refunds",
        lambda e, g, _: e.list_application_fee_refunds(g["fee"]),
    ),
    _route("create a transfer", "POST", "/v1/transfers", lambda e, _, p: e.create_transfer(p)),
    _route("list transfers", "GET", "/v1/transfers", lambda e, _, p: e.list_transfers(p)),
    _route(
        "retrieve a transfer",
        "GET",
        "/v1/transfers/{transfer}",
        lambda e, g, _: e.retrieve_transfer(g["transfer"]),
    ),
    _route(
        "reverse a transfer",
        "POST",
        "/v1/transfers/{transfer}/reversals",
        lambda e, g, p: e.reverse_transfer(g["transfer"], p),
    ),
    _route(
        "list a transfer's reversals",
        "GET",
        "/v1/transfers/{transfer}/reversals",
        lambda e, g, _: e.list_transfer_reversals(g["transfer"]),
    ),
    _route(
        "retrieve a dispute",
        "GET",
        "/v1/disputes/{dispute}",
        lambda e, g, _: e.retrieve_dispute(g["dispute"]),
    ),
    _route(
        "update a dispute",
        "POST",
        "/v1/disputes/{dispute}",
        lambda e, g, p: e.update_dispute(g["dispute"], p),
    ),
    _route(
        "list payouts",
        "GET",
        "/v1/payouts",
        lambda e, g, p: e.list_payouts(g.get(CONNECTED_ACCOUNT), p),
    ),
    # Test mode: what shoppers, stores and banks do (see .world).
    _route(
        "authenticate a payment intent",
        "POST",
        "/v1/test_helpers/payment_intents/{intent}/authenticate",
        world.authenticate,
        world=True,
    ),
    _route(
        "complete an account's onboarding",
        "POST",
        "/v1/test_helpers/accounts/{account}/complete_onboarding",
        world.complete_onboarding,
        world=True,
    ),
    _route(
        "retrieve an account's onboarding link",
        "GET",
        "/v1/test_helpers/accounts/{account}/onboarding_link",
        world.onboarding_link,
        world=True,
    ),
    _route(
        "set an account's requirements",
        "POST",
        "/v1/test_helpers/accounts/{account}/requirements",
        world.require,
        world=True,
    ),
    _route(
        "pay out a connected account",
        "POST",
        "/v1/test_helpers/accounts/{account}/payouts",
        world.pay_out,
        world=True,
    ),
    _route(
        "dispute a charge",
        "POST",
        "/v1/test_helpers/charges/{charge}/dispute",
        world.dispute_charge,
        world=True,
    ),
    _route(
        "close a dispute",
        "POST",
        "/v1/test_helpers/disputes/{dispute}/close",
        world.close_dispute,
        world=True,
    ),
    _route(
        "fail a refund",
        "POST",
        "/v1/test_helpers/refunds/{refund}/fail",
        world.fail_refund,
        world=True,
    ),
)


@dataclass(frozen=True, slots=True)
class _Stored:
    request: tuple[str, str, tuple[tuple[str, str], ...]]
    status: int
    body: JSON
    at: datetime


class StripeApi:
    """The emulator behind Stripe's HTTP API, for the holders of ``secret_keys``."""

    def __init__(self, emulator: StripeEmulator, *, secret_keys: Sequence[str]) -> None:
        self.emulator = emulator
        self._secret_keys = tuple(secret_keys)
        self._stored: OrderedDict[tuple[str, str], _Stored] = OrderedDict()  # oldest first
        self._in_progress: set[tuple[str, str] | None] = set()
        self._request_ids = itertools.count(1)

    async def answer(
        self,
        method: str,
        path: str,
        encoded: str,
        headers: Mapping[str, str],
        *,
        api_waits_for_events: bool = True,
    ) -> Answer:
        """Stripe's answer to a request; ``encoded`` is its form body (or, for a GET, its
        query string). Unless ``api_waits_for_events``, an API call answers before the events it
        causes are delivered, as Stripe's does; a test-mode step still waits for its own."""
        method = method.upper()
        headers = {name.lower(): value for name, value in headers.items()}
        answer_headers = {"request-id": f"req_{next(self._request_ids):014d}"}
        try:
            key = self._authorized(headers)
            pairs = tuple(parse_qsl(encoded, keep_blank_values=True))
            route, groups = _routed(method, path)
            idempotency_key = headers.get("idempotency-key") if method == "POST" else None
            request = (method, path, tuple(sorted(pairs)))
            stored = None if idempotency_key is None else self._stored.get((key, idempotency_key))
            if stored is not None:
                if stored.request != request:
                    raise EmulatorError(
                        f"Keys for idempotent requests can only be used with the same "
                        f"parameters they were first used with. Try using a key other than "
                        f"'{idempotency_key}' if you meant to execute a different request.",
                        type="idempotency_error",
                    )
                answer_headers["idempotent-replayed"] = "true"
                return stored.status, stored.body, answer_headers
            claim = None if idempotency_key is None else self._claimed(key, idempotency_key)
            detached = DETACHED.set(not (api_waits_for_events or route.world))
            try:
                await self._check_account(headers)
                params = Params(decode(pairs))
                if "stripe-account" in headers:
                    groups[CONNECTED_ACCOUNT] = headers["stripe-account"]
                answered = await route.handler(self.emulator, groups, params)
            finally:
                DETACHED.reset(detached)
                self._in_progress.discard(claim)
            body = _page(path, answered, params) if isinstance(answered, list) else answered
            if idempotency_key is not None:
                self._keep((key, idempotency_key), _Stored(request, 200, body, self.emulator.now()))
            return 200, body, answer_headers
        except EmulatorError as refused:
            return refused.status, refused.to_stripe(), answer_headers

    def _claimed(self, key: str, idempotency_key: str) -> tuple[str, str]:
        """The key held while its first request runs: Stripe answers another request with it
        409 meanwhile, saving nothing, and stripe-python retries a 409."""
        claim = (key, idempotency_key)
        if claim in self._in_progress:
            raise EmulatorError(
                f"There is currently another in-progress request using this Idempotent Key "
                f"(that probably means you submitted twice, and the other request is still "
                f"going through): {idempotency_key}. Please try again later.",
                status=409,
                type="idempotency_error",
                code="idempotency_key_in_use",
            )
        self._in_progress.add(claim)
        return claim

    def _keep(self, key: tuple[str, str], stored: _Stored) -> None:
        """Keep an answer for its key's retries; Stripe forgets a key after 24 hours."""
        self._stored[key] = stored
        while self._stored:
            oldest = next(iter(self._stored.values()))
            if stored.at - oldest.at < IDEMPOTENCY_KEY_LIFETIME:
                break
            self._stored.popitem(last=False)

    def _authorized(self, headers: Mapping[str, str]) -> str:
        scheme, _, key = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not any(
            hmac.compare_digest(key.encode(), known.encode()) for known in self._secret_keys
        ):
            raise EmulatorError("Invalid API Key provided.", status=401, code="api_key_invalid")
        return key

    async def _check_account(self, headers: Mapping[str, str]) -> None:
        account = headers.get("stripe-account")
        if account is not None:
            await self.emulator.retrieve_account(account)  # refuses one the platform lacks


def _routed(method: str, path: str) -> tuple[Route, dict[str, str]]:
    allowed = False
    for route in ROUTES:
        found = route.pattern.fullmatch(path)
        if found is not None:
            if route.method == method:
                return route, found.groupdict()
            allowed = True
    if allowed:
        raise EmulatorError(f"Unrecognized request URL ({method}: {path}).", status=405)
    raise EmulatorError(f"Unrecognized request URL ({method}: {path}).", status=404)


def _page(url: str, data: list[JSON], params: Params) -> JSON:
    """A page of a list (newest first), as Stripe pages it: ``limit`` objects (10 unless
    asked, at most 100) after the one named by ``starting_after``."""
    asked = params.optional_integer("limit")
    limit = DEFAULT_PAGE if asked is None else asked
    if not 1 <= limit <= MAX_PAGE:
        raise EmulatorError(
            f"This value must be between 1 and {MAX_PAGE} (it currently is {limit}).",
            param="limit",
        )
    after = params.optional_text("starting_after")
    start = 0
    if after is not None:
        ids = [item.get("id") for item in data]
        if after not in ids:
            raise EmulatorError(f"No such object: '{after}'", status=404, param="starting_after")
        start = ids.index(after) + 1
    page = data[start : start + limit]
    return {"object": "list", "data": page, "has_more": start + limit < len(data), "url": url}
