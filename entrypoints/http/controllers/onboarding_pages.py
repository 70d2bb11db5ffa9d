"""The pages Stripe's hosted onboarding sends a store back to.

Each address carries a signed, expiring, single-use token minted with the onboarding link (see
``application.onboarding_links``). ``refresh`` is visited when a link went stale: it mints a fresh
one and redirects to it, once per token, and not once onboarding is complete. ``return`` is where
onboarding ends (finished or not): it asks the gateway where the account stands and says so, once
per token. A missing, forged, expired or used token is a ``403`` page in words, never a stack
trace. Both are rate limited per client address, like the storefront.
"""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from application.errors import InvalidOnboardingToken
from domain.account import AccountStatus, store_account_status
from domain.store import Store
from entrypoints.http.dependencies import UseCasesDependency
from entrypoints.http.html import (
    HTML_EXCEPTION_HANDLERS,
    documented_pages,
    render_page,
    see_other,
)

NO_TOKEN = "this page needs the token of an onboarding link"

_WHERE_IT_STANDS: dict[AccountStatus, tuple[str, str, str]] = {
    AccountStatus.ACTIVE: (
        "Your store can take payments",
        "Onboarding is complete: card payments and payouts are enabled.",
        "success",
    ),
    AccountStatus.PENDING: (
        "Onboarding is not finished",
        "Some details are still missing, or Stripe is still checking them. Continue where you "
        "left off, or come back later.",
        "info",
    ),
    AccountStatus.RESTRICTED: (
        "Stripe needs a few more details",
        "Payments or payouts stay disabled until the missing details are provided.",
        "info",
    ),
    AccountStatus.INACTIVE: (
        "Payments are disabled for this store",
        "The account was rejected or disconnected from the platform. Contact the platform's "
        "support to set up payments again.",
        "error",
    ),
}


class OnboardingPagesController(Controller):
    path = "/onboarding/{store_id:str}"
    tags = ["Pages"]  # noqa: RUF012
    security = []  # noqa: RUF012  (public: no bearer token)
    exception_handlers = HTML_EXCEPTION_HANDLERS

    @get(
        "/refresh",
        summary="A fresh onboarding link: redirects to it",
        description=(
            "303 to a new onboarding link. The token mints one link: used again, expired, forged, "
            "or once onboarding is complete, it is a 403 page. 429 past the per-address limit."
        ),
        status_code=303,
        responses=documented_pages(403, 404, 409, 429),
        cache=False,
    )
    async def refresh(
        self,
        store_id: FromPath[str],
        use_cases: UseCasesDependency,
        token: FromQuery[str | None] = None,
    ) -> Redirect:
        if not token:
            raise InvalidOnboardingToken(NO_TOKEN)
        link = await use_cases.refresh_onboarding_link(store_id, token=token)
        return see_other(link.url)

    @get(
        "/return",
        summary="Where the store's onboarding stands",
        description=(
            "A page saying where onboarding stands, with a fresh address to carry on while it is "
            "unfinished. The gateway sends the store here once: the token shows the page once, "
            "and a second visit (or an expired or forged token) is a 403 page that points to the "
            "back office. 429 past the per-address limit."
        ),
        media_type="text/html",
        responses=documented_pages(403, 404, 409, 429),
        cache=False,
    )
    async def returned(
        self,
        store_id: FromPath[str],
        use_cases: UseCasesDependency,
        token: FromQuery[str | None] = None,
    ) -> Response[str]:
        if not token:
            raise InvalidOnboardingToken(NO_TOKEN)
        check = await use_cases.check_onboarding(store_id, token)
        return _where_it_stands(check.store, check.refresh_url)


def _where_it_stands(store: Store, refresh: str | None) -> Response[str]:
    status = store_account_status(store.account)
    title, words, tone = _WHERE_IT_STANDS.get(
        status, ("Onboarding has not started", "Start from the store's back office.", "info")
    )
    due = (
        ()
        if store.account is None or store.account.snapshot is None
        else (store.account.snapshot.currently_due + store.account.snapshot.past_due)
    )
    return render_page(
        "onboarding_return.html",
        title=title,
        message=words,
        tone=tone,
        store_name=store.name,
        refresh_url=refresh,
        still_needed=sorted(set(due)) if status is not AccountStatus.ACTIVE else [],
    )
