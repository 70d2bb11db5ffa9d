"""Small, accessible HTML pages without a front-end build: Jinja templates, one stylesheet.

The templates live in ``entrypoints/web``; they escape every value, so nothing a caller sends is
ever written into a page unescaped (HTML built here goes through :func:`text`). Pages carry tokens
in their addresses, so they are never cached and never tell another site where the visitor came
from; their Content-Security-Policy lets in scripts and styles from this service only (and
Stripe.js on the checkout, when the gateway is Stripe).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from litestar import Request, Response
from litestar.enums import MediaType
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Redirect
from markupsafe import Markup
from sqlalchemy.exc import DBAPIError, OperationalError

from domain.errors import DomainError
from entrypoints.http.problems import CODES_BY_STATUS, logger, refusal_headers, status_for
from entrypoints.web.rendering import render

# Scripts and styles come from this service only; nothing may frame a page; forms post here.
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# With Stripe, the checkout also loads Stripe.js, which frames its card fields (js.stripe.com),
# talks to its API (api.stripe.com) and frames 3-D Secure pages (hooks.stripe.com), as Stripe's
# security guide lists.
_STRIPE_CSP = (
    "default-src 'none'; script-src 'self' https://js.stripe.com https://*.js.stripe.com; "
    "style-src 'self'; img-src 'self' data: https://*.stripe.com; "
    "connect-src 'self' https://api.stripe.com; "
    "frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": _CSP,
}


def page_headers(*, stripe: bool = False) -> dict[str, str]:
    """The pages' headers; ``stripe`` lets the page load Stripe.js and its frames."""
    return {**PAGE_HEADERS, "Content-Security-Policy": _STRIPE_CSP if stripe else _CSP}


def text(value: object) -> str:
    """``value`` as HTML text: escaped, quotes included."""
    return escape(str(value), quote=True)


def render_page(
    template: str,
    *,
    title: str,
    status_code: int = 200,
    stripe: bool = False,
    **context: Any,
) -> Response[str]:
    """``template`` (in ``entrypoints/web/templates``) as a whole page: every value escaped."""
    document = render(template, title=title, stripe=stripe, **context)
    return Response(
        document,
        status_code=status_code,
        media_type=MediaType.HTML,
        headers=page_headers(stripe=stripe),
    )


def page(title: str, body: str, *, status_code: int = 200) -> Response[str]:
    """A whole page around ``body``, HTML built with :func:`text` for everything dynamic."""
    return render_page("page.html", title=title, body=Markup(body), status_code=status_code)


def message_page(
    title: str,
    message: str,
    *,
    status_code: int,
    tone: str = "error",
    extra: str = "",
    links: Sequence[tuple[str, str]] = (),
) -> Response[str]:
    """A page that says one thing, in words: a title and a message (both plain text), then
    ``links`` (label and address) as buttons. ``extra`` is HTML built with :func:`text`."""
    return render_page(
        "message.html",
        title=title,
        message=message,
        tone=tone,
        extra=Markup(extra),
        links=tuple(links),
        status_code=status_code,
    )


def see_other(url: str) -> Redirect:
    """``303 See Other`` to ``url``, with the pages' headers (no cache, no referrer)."""
    return Redirect(url, status_code=303, headers=PAGE_HEADERS)


# What a page says when a request is refused, by the problem code the API would report.
FRIENDLY_MESSAGES: dict[str, tuple[str, str]] = {
    "invalid_onboarding_token": (
        "This link has expired",
        "This onboarding link has expired, was already used, or is not valid (each link works "
        "once). Open your store's back office to see where onboarding stands, or to ask for a "
        "new onboarding link.",
    ),
    "not_found": ("Not found", "There is nothing here. Check the address and try again."),
    "payments_not_set_up": (
        "Payments are not set up",
        "This store has not started setting up payments yet. Start from the store's back office.",
    ),
    "service_unavailable": (
        "Please try again in a moment",
        "The service is briefly unavailable. Nothing was lost; reload this page in a moment.",
    ),
}


def refusal_page(status_code: int, code: str, message: str) -> Response[str]:
    """A refusal in words: a known ``code`` gets a prepared message, any other ``message``."""
    title, words = FRIENDLY_MESSAGES.get(code, ("This did not work", message))
    return message_page(title, words, status_code=status_code)


def _domain_refusal(_request: Request[Any, Any, Any], error: DomainError) -> Response[str]:
    return refusal_page(status_for(error), error.code, error.message)


def _http_refusal(_request: Request[Any, Any, Any], error: HTTPException) -> Response[str]:
    status = error.status_code
    code = CODES_BY_STATUS.get(status, "http_error")
    page = refusal_page(status, code, error.detail if status < 500 else "Something went wrong.")
    page.headers.update(refusal_headers(error) or {})  # a rate-limited shopper learns when to retry
    return page


def _database_refusal(request: Request[Any, Any, Any], error: Exception) -> Response[str]:
    logger.warning(
        "database unavailable on %s %s: %s", request.method, request.url.path, type(error).__name__
    )
    response = refusal_page(503, "service_unavailable", "")
    response.headers["Retry-After"] = "5"
    return response


# For routes that answer with pages: the same refusals as the API's problem documents, in words.
HTML_EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: _domain_refusal,
    HTTPException: _http_refusal,
    ValidationException: _http_refusal,  # the app's own handler answers JSON
    OperationalError: _database_refusal,
    DBAPIError: _database_refusal,
    ConnectionError: _database_refusal,
}


PAGE_DESCRIPTIONS: dict[int, str] = {
    400: "A page saying the address is malformed.",
    403: "A page saying the link's token is missing, invalid, expired or already used.",
    404: "A page saying there is nothing here.",
    409: "A page saying the store has not set up payments yet.",
    429: "A page saying too many requests came from this address; try again in a minute.",
    503: "A page asking to try again in a moment.",
}


def documented_pages(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI responses for refusals answered with a page (``text/html``)."""
    return {
        status: ResponseSpec(
            data_container=str,
            description=PAGE_DESCRIPTIONS.get(status, "A page saying what went wrong."),
            media_type=MediaType.HTML,
        )
        for status in sorted({400, 503, *statuses})
    }
