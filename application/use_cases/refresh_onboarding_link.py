"""A fresh onboarding link for a store that has started onboarding."""

from __future__ import annotations

from application.errors import InvalidOnboardingToken, PaymentsNotSetUp
from application.gateway import OnboardingLink
from application.lookups import require_store
from application.onboarding_links import LinkPurpose, OnboardingLinks
from application.ports import UnitOfWorkFactory


class RefreshOnboardingLink:
    """From the store's back office, or from the page a stale link leads to (with its token,
    which mints one link, and none once onboarding is complete)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, links: OnboardingLinks) -> None:
        self._uow_factory = uow_factory
        self._links = links

    async def __call__(self, store_id: str, *, token: str | None = None) -> OnboardingLink:
        nonce = None if token is None else self._links.check_token(store_id, token, _REFRESH)
        async with self._uow_factory() as uow:
            store = await require_store(uow, store_id)
        if store.account is None:
            raise PaymentsNotSetUp("this store has not set up payments yet")
        if nonce is not None:
            if not store.account.needs_onboarding:
                raise InvalidOnboardingToken("onboarding is complete: this link has no more use")
            await self._links.use(nonce, _REFRESH)
        return await self._links.mint(store.id, store.account.account_id)


_REFRESH = LinkPurpose.REFRESH
