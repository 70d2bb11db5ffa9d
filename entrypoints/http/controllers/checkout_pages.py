"""The shopper's pages: the checkout of one order, and the page a payment returns to.

``/checkout/{store_id}/{order_id}`` shows the order, its fee breakdown and a card form: Stripe's
Payment Element when the gateway is Stripe, a test-card form that talks only to the simulator
otherwise. Its script asks the public storefront API for the order's payment intent (sending the
order's id and amount, never card data) and confirms it with the gateway. The page shows the
order's e-mail masked (``l***@example.com``) and holds no more of it.

The shopper's saved cards (and the offer to save one) are on the page only when its address
carries a customer session (``?customer_session=…``) that the store's backend asked for once its
shopper signed in; the script passes it on to create-intent, which uses it up.

``/checkout/complete?store=…&order=…`` says whether the order is paid, failed or still processing,
and keeps asking the public payment-status endpoint until the answer is final. Stripe adds
``payment_intent``, ``payment_intent_client_secret`` and ``redirect_status`` to the address.

Unknown stores and orders are a 404 page in words; every amount is formatted here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery

from application.errors import NotFound
from application.use_cases.show_checkout import Checkout, CheckoutState
from domain.email import masked
from domain.errors import DomainError
from domain.payment_method import SavedPaymentMethod
from entrypoints.http.auth import service_of
from entrypoints.http.dependencies import UseCasesDependency
from entrypoints.http.html import (
    HTML_EXCEPTION_HANDLERS,
    documented_pages,
    message_page,
    refusal_page,
    render_page,
)
from entrypoints.http.problems import status_for
from entrypoints.settings import GatewayKind
from entrypoints.web import words
from entrypoints.web.money import display

STOREFRONT_API = "/api/v1/platform/stores"
SIMULATOR_INTENTS = "/simulator/payment_intents/"
POLL_INTERVAL_MS = 1500
MAX_CHECKS = 80  # two minutes, then the page says it is still waiting
PATIENCE_CHECKS = 10  # how long a failure on record may still be overtaken by a success

# Stripe's test cards the simulator knows (API.md), as the checkout lists them.
TEST_CARDS: tuple[tuple[str, str], ...] = (
    ("4242424242424242", "succeeds"),
    ("4000000000000002", "is declined"),
    ("4000000000009995", "is declined: insufficient funds"),
    ("4000002500003155", "asks for 3-D Secure"),
    ("4000000000000259", "succeeds, then the payment is disputed"),
)

BRANDS = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "amex": "American Express",
    "discover": "Discover",
    "diners": "Diners Club",
    "jcb": "JCB",
    "unionpay": "UnionPay",
    "cartes_bancaires": "Cartes Bancaires",
}

NOT_FOUND_TITLE = "We could not find this order"
NOT_FOUND_WORDS = (
    "There is no order to pay at this address. Check the link the store sent you, or ask the "
    "store for a new one. Nothing was charged."
)


def _checkout_refusal(request: Request[Any, Any, Any], error: DomainError) -> Response[str]:
    if isinstance(error, NotFound):
        return message_page(NOT_FOUND_TITLE, NOT_FOUND_WORDS, status_code=404)
    return refusal_page(status_for(error), error.code, error.message)


CHECKOUT_EXCEPTION_HANDLERS = {**HTML_EXCEPTION_HANDLERS, DomainError: _checkout_refusal}


def card_label(card: SavedPaymentMethod) -> str:
    """``Visa ending in 4242, expires 12/2030``: all a page may show of a saved card."""
    key = card.card_brand or ""
    brand = BRANDS.get(key) or key.replace("_", " ").title() or "Card"
    label = f"{brand} ending in {card.card_last4}"
    if card.card_exp_month and card.card_exp_year:
        label += f", expires {card.card_exp_month:02d}/{card.card_exp_year}"
    return label


def spaced(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def _addresses(store_id: str, order_id: str) -> dict[str, str]:
    store, order = quote(store_id, safe=""), quote(order_id, safe="")
    return {
        "checkout": f"/checkout/{store}/{order}",
        "complete": "/checkout/complete?" + urlencode({"store": store_id, "order": order_id}),
        "status": f"{STOREFRONT_API}/{store}/orders/{order}/payment-status",
        "create_intent": f"{STOREFRONT_API}/{store}/payments/create-intent",
    }


def _summary(checkout: Checkout) -> dict[str, Any]:
    breakdown = checkout.breakdown
    return {
        "store_name": checkout.store.name,
        "reference": checkout.order.reference,
        "amount": display(checkout.order.amount),
        "store_amount": None if breakdown is None else display(breakdown.store_amount),
        "platform_fee": None if breakdown is None else display(breakdown.platform_fee),
    }


def _words() -> dict[str, Any]:
    return {
        "declines": words.DECLINES,
        "problems": {
            **words.PROBLEMS,
            "stripe_unavailable": (
                "The card form could not be loaded. Check your connection and reload the page; "
                "nothing was charged."
            ),
        },
        "fields": words.FIELD_ERRORS,
        "progress": words.PROGRESS,
    }


class CheckoutPagesController(Controller):
    path = "/checkout"
    tags = ["Pages"]  # noqa: RUF012
    security = []  # noqa: RUF012  (public: no bearer token)
    exception_handlers = CHECKOUT_EXCEPTION_HANDLERS

    @get(
        "/complete",
        summary="Where the shopper's payment stands, after paying",
        description=(
            "A page saying paid, failed or still processing; while the answer is not final it "
            "keeps asking the payment-status endpoint. Query: `store` and `order` (the ids of the "
            "checkout); `redirect_status` and `payment_intent`, which Stripe adds, are optional."
        ),
        media_type="text/html",
        responses=documented_pages(404),
        cache=False,
    )
    async def complete(
        self,
        use_cases: UseCasesDependency,
        store: FromQuery[str | None] = None,
        order: FromQuery[str | None] = None,
        redirect_status: FromQuery[str | None] = None,
    ) -> Response[str]:
        if not store or not order:
            raise NotFound("the return page needs the store and the order")
        checkout = await use_cases.show_checkout(store, order)
        state = checkout.state
        # Back from a redirect that went well while an earlier failure is still on record.
        expect_success = redirect_status in ("succeeded", "processing")
        overtaken = state is CheckoutState.FAILED and expect_success
        shown = CheckoutState.PROCESSING if overtaken else state
        heading, message = words.state_words(shown, checkout.failure_reason)
        addresses = _addresses(checkout.store.id, checkout.order.id)
        polling = not state.is_final or overtaken
        return render_page(
            "complete.html",
            title=heading,
            heading=heading,
            message=message,
            tone=_tone(shown),
            failed=shown is CheckoutState.FAILED,
            polling=polling,
            progress="Checking again in a moment…",
            checkout_url=addresses["checkout"],
            config={
                "status_url": addresses["status"],
                "interval_ms": POLL_INTERVAL_MS,
                "first_check_ms": 500,
                "max_checks": MAX_CHECKS,
                "patience_checks": PATIENCE_CHECKS,
                "expect_success": expect_success,
                "words": {"still_waiting": words.STILL_WAITING, "gone": NOT_FOUND_WORDS},
            },
            **_summary(checkout),
        )

    @get(
        "/{store_id:str}/{order_id:str}",
        summary="The shopper's checkout of one order",
        description=(
            "The order's summary (the shopper's e-mail masked: `l***@example.com`) and fee "
            "breakdown, and a card form: Stripe's Payment Element with the Stripe gateway, a "
            "test-card form that talks only to the simulator otherwise. With `customer_session` "
            "(the token the store's backend got from `POST /api/v1/store/orders/{order_id}/"
            "customer-session` once its shopper signed in) and only then, the page also lists "
            "the cards the shopper saved with the store (brand, last four digits and expiry) and "
            "offers to save the new one; an unknown, expired or used token shows the page "
            "without them. A paid order says it is already paid; an unknown store or order is a "
            "404 page; an order in another currency than the store's (kept from before that was "
            "refused) is a 409 page. Never cached, and it sends no referrer."
        ),
        media_type="text/html",
        responses=documented_pages(404, 409),
        cache=False,
    )
    async def checkout(
        self,
        request: Request[Any, Any, Any],
        store_id: FromPath[str],
        order_id: FromPath[str],
        use_cases: UseCasesDependency,
        customer_session: FromQuery[str | None] = None,
    ) -> Response[str]:
        settings = service_of(request).settings()
        checkout = await use_cases.show_checkout(
            store_id, order_id, customer_session=customer_session
        )
        addresses = _addresses(checkout.store.id, checkout.order.id)
        if checkout.state is CheckoutState.PAID:
            return render_page(
                "complete.html",
                title="Already paid",
                heading="This order is already paid",
                message="Nothing more is charged. Thank you!",
                tone="success",
                failed=False,
                polling=False,
                progress="",
                checkout_url=addresses["checkout"],
                config={},
                **_summary(checkout),
            )
        if not checkout.payable:
            return message_page(
                "This order cannot be paid here",
                f"The order is in {checkout.order.amount.currency.code}, but "
                f"{checkout.store.name} takes payments in {checkout.store.currency.code}. Nothing "
                "was charged; please ask the store for a new order.",
                status_code=409,
            )
        if not checkout.store.accepts_payments:
            return message_page(
                "Payments are not available",
                f"{checkout.store.name} cannot take card payments at the moment. Nothing was "
                "charged; please try again later.",
                status_code=409,
            )
        stripe = settings.gateway is GatewayKind.STRIPE
        if stripe and not settings.stripe_publishable_key:
            return message_page(
                "Card payments are not available",
                "This checkout is not set up to take cards yet (its publishable key is missing). "
                "Nothing was charged; please try again later.",
                status_code=503,
            )
        complete = addresses["complete"]
        config = {
            "gateway": "stripe" if stripe else "simulated",
            "publishable_key": settings.stripe_publishable_key if stripe else None,
            "create_intent_url": addresses["create_intent"],
            "intent_request": {
                "order_id": checkout.order.id,
                "amount": checkout.order.amount.minor_units,
                "currency": checkout.order.amount.currency.code,
                **({"customer_session": customer_session} if checkout.signed_in else {}),
            },
            "simulator_url": SIMULATOR_INTENTS,
            "complete_url": complete,
            "return_url": settings.public_url.rstrip("/") + complete,
            "words": _words(),
        }
        return render_page(
            "checkout.html",
            title=f"Pay {checkout.store.name}",
            stripe=stripe,
            test_mode=not stripe,
            email=masked(checkout.order.customer_email),
            signed_in=checkout.signed_in,
            saved_cards=[{"id": c.id, "label": card_label(c)} for c in checkout.saved_cards],
            test_cards=[
                {"number": number, "spaced": spaced(number), "meaning": meaning}
                for number, meaning in TEST_CARDS
            ],
            config=config,
            **_summary(checkout),
        )


def _tone(state: CheckoutState) -> str:
    if state is CheckoutState.PAID:
        return "success"
    if state is CheckoutState.FAILED:
        return "error"
    return ""
