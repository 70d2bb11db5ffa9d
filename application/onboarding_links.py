"""Onboarding links whose refresh and return addresses carry a signed, expiring token."""

from __future__ import annotations

from application.errors import InvalidOnboardingToken
from application.gateway import OnboardingLink, PaymentGateway
from application.ports import Clock, TokenSigner
from application.settings import ServiceSettings


class OnboardingLinks:
    """The gateway visits ``refresh_url`` when a link went stale, so it must mint a new one."""

    def __init__(
        self,
        gateway: PaymentGateway,
        signer: TokenSigner,
        clock: Clock,
        settings: ServiceSettings,
    ) -> None:
        self._gateway = gateway
        self._signer = signer
        self._clock = clock
        self._settings = settings

    async def mint(self, store_id: str, account_id: str) -> OnboardingLink:
        expires_at = self._clock.now() + self._settings.onboarding_token_lifetime
        token = self._signer.sign(_subject(store_id), expires_at)
        base = f"{self._settings.public_url.rstrip('/')}/onboarding/{store_id}"
        return await self._gateway.create_onboarding_link(
            account_id,
            refresh_url=f"{base}/refresh?token={token}",
            return_url=f"{base}/return?token={token}",
        )

    def check_token(self, store_id: str, token: str) -> None:
        if not self._signer.verify(token, _subject(store_id), self._clock.now()):
            raise InvalidOnboardingToken("this onboarding link has expired or is not valid")


def _subject(store_id: str) -> str:
    return f"onboarding:{store_id}"
