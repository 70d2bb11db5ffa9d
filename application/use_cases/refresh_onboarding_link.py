"""A fresh onboarding link for a store that has started onboarding."""

from __future__ import annotations

from application.errors import PaymentsNotSetUp
from application.gateway import OnboardingLink
from application.lookups import require_store
from application.onboarding_links import OnboardingLinks
from application.ports import UnitOfWorkFactory


class RefreshOnboardingLink:
    """From the store's back office, or from the page a stale link leads to (with its token)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, links: OnboardingLinks) -> None:
        self._uow_factory = uow_factory
        self._links = links

    async def __call__(self, store_id: str, *, token: str | None = None) -> OnboardingLink:
        if token is not None:
            self._links.check_token(store_id, token)
        async with self._uow_factory() as uow:
            store = await require_store(uow, store_id)
        if store.account is None:
            raise PaymentsNotSetUp("this store has not set up payments yet")
        return await self._links.mint(store.id, store.account.account_id)
