"""Onboarding links whose refresh and return addresses carry signed, expiring, single-use tokens.

Each address has a token of its own, signed for its store and its purpose (``refresh`` or
``return``) with a random nonce, so one cannot stand in for the other, nor for another store's:

- ``refresh`` is visited when a link went stale: its token mints one fresh link, once. A token
  that minted a link mints no other, and none is minted once onboarding is complete.
- ``return`` is where the gateway sends the store back, once, when it leaves onboarding: its token
  shows where onboarding stands, once. A second visit (a reload, a copied address) is refused and
  sends the store to its back office. While onboarding is unfinished, the page offers a fresh
  ``refresh`` address to carry on.

A use is recorded in ``TokenUses`` (the database every process shares) before anything is done
with it, so two visits at once cannot both use one token.
"""

from __future__ import annotations

import enum
import re
from urllib.parse import quote

from application.errors import InvalidOnboardingToken
from application.gateway import OnboardingLink, PaymentGateway
from application.ports import Clock, SecretGenerator, TokenSigner, TokenUses
from application.settings import ServiceSettings

_NONCE = re.compile(r"[A-Za-z0-9_-]{20,100}")


class LinkPurpose(enum.StrEnum):
    REFRESH = "refresh"
    RETURN = "return"


class OnboardingLinks:
    """The gateway visits ``refresh_url`` when a link went stale, so it must mint a new one."""

    def __init__(
        self,
        gateway: PaymentGateway,
        signer: TokenSigner,
        clock: Clock,
        settings: ServiceSettings,
        secrets: SecretGenerator,
        uses: TokenUses,
    ) -> None:
        self._gateway = gateway
        self._signer = signer
        self._clock = clock
        self._settings = settings
        self._secrets = secrets
        self._uses = uses

    async def mint(self, store_id: str, account_id: str) -> OnboardingLink:
        return await self._gateway.create_onboarding_link(
            account_id,
            refresh_url=self.address(store_id, LinkPurpose.REFRESH),
            return_url=self.address(store_id, LinkPurpose.RETURN),
        )

    def address(self, store_id: str, purpose: LinkPurpose) -> str:
        """The page's address for ``purpose``, with a new token of its own."""
        base = f"{self._settings.public_url.rstrip('/')}/onboarding/{quote(store_id, safe='')}"
        return f"{base}/{purpose.value}?token={self.token(store_id, purpose)}"

    def token(self, store_id: str, purpose: LinkPurpose) -> str:
        expires_at = self._clock.now() + self._settings.onboarding_token_lifetime
        nonce = self._secrets.new_secret("")
        return f"{nonce}.{self._signer.sign(_subject(store_id, purpose, nonce), expires_at)}"

    def check_token(self, store_id: str, token: str, purpose: LinkPurpose) -> str:
        """The token's nonce, if it was signed for this store and purpose and has not expired."""
        nonce, _, signed = token.partition(".")
        if not _NONCE.fullmatch(nonce) or not self._signer.verify(
            signed, _subject(store_id, purpose, nonce), self._clock.now()
        ):
            raise InvalidOnboardingToken("this onboarding link has expired or is not valid")
        return nonce

    async def use(self, nonce: str, purpose: LinkPurpose) -> None:
        """Record the one use of a checked token; refuse it if it was used before."""
        now = self._clock.now()
        first = await self._uses.use(
            f"onboarding:{purpose.value}:{nonce}",
            now=now,
            keep_until=now + self._settings.onboarding_token_lifetime,
        )
        if not first:
            raise InvalidOnboardingToken("this onboarding link was already used")


def _subject(store_id: str, purpose: LinkPurpose, nonce: str) -> str:
    return f"onboarding:{purpose.value}:{store_id}:{nonce}"
