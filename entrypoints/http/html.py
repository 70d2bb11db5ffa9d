"""Small, accessible HTML pages without a front-end build: one layout, escaped text.

Every dynamic value goes through :func:`escape` (or :func:`text`); nothing a caller sends is ever
written into a page unescaped. Pages carry tokens in their addresses, so they are never cached
and never tell another site where the visitor came from.
"""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request, Response
from litestar.enums import MediaType
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Redirect
from sqlalchemy.exc import DBAPIError, OperationalError

from domain.errors import DomainError
from entrypoints.http.problems import CODES_BY_STATUS, logger, status_for

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
    ),
}

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1a1a1a;
background:#f6f7f9;line-height:1.5}
main{max-width:34rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:.75rem;
box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.5rem;margin-top:0}
.notice{padding:.75rem 1rem;border-radius:.5rem;background:#eef4ff;border:1px solid #b9cff7}
.notice.error{background:#fff0f0;border-color:#f0b4b4}
.notice.success{background:#effaf1;border-color:#a9dcb3}
button,.button{display:inline-block;font:inherit;padding:.6rem 1.2rem;border-radius:.5rem;
border:0;background:#4f46e5;color:#fff;text-decoration:none;cursor:pointer}
button:focus-visible,.button:focus-visible,a:focus-visible{outline:3px solid #1d4ed8;
outline-offset:2px}
small{color:#555}
"""


def text(value: object) -> str:
    """``value`` as HTML text: escaped, quotes included."""
    return escape(str(value), quote=True)


def page(title: str, body: str, *, status_code: int = 200, lang: str = "en") -> Response[str]:
    """A whole page: ``title`` is plain text (escaped here); ``body`` is HTML built with
    :func:`text` for everything dynamic."""
    document = (
        f'<!doctype html>\n<html lang="{text(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{text(title)} · storepay</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
    return Response(
        document, status_code=status_code, media_type=MediaType.HTML, headers=PAGE_HEADERS
    )


def message_page(
    title: str, message: str, *, status_code: int, tone: str = "error", extra: str = ""
) -> Response[str]:
    """A page that says one thing, in words: a title and a message (both plain text)."""
    body = (
        f"<h1>{text(title)}</h1>\n"
        f'<p class="notice {text(tone)}" role="{"alert" if tone == "error" else "status"}">'
        f"{text(message)}</p>\n{extra}"
    )
    return page(title, body, status_code=status_code)


def see_other(url: str) -> Redirect:
    """``303 See Other`` to ``url``, with the pages' headers (no cache, no referrer)."""
    return Redirect(url, status_code=303, headers=PAGE_HEADERS)


# What a page says when a request is refused, by the problem code the API would report.
FRIENDLY_MESSAGES: dict[str, tuple[str, str]] = {
    "invalid_onboarding_token": (
        "This link has expired",
        "This onboarding link has expired or is not valid. Open your store's back office and "
        "ask for a new onboarding link.",
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
    return refusal_page(status, code, error.detail if status < 500 else "Something went wrong.")


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
    OperationalError: _database_refusal,
    DBAPIError: _database_refusal,
    ConnectionError: _database_refusal,
}


PAGE_DESCRIPTIONS: dict[int, str] = {
    400: "A page saying the address is malformed.",
    403: "A page saying the link's token is missing, invalid or expired.",
    404: "A page saying there is nothing here.",
    409: "A page saying the store has not set up payments yet.",
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
