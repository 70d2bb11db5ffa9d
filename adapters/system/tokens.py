"""Signed, expiring tokens (for onboarding links): HMAC-SHA256 over subject and expiry."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime


class HmacTokenSigner:
    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("a signing key has at least 32 bytes")
        self._key = key

    def sign(self, subject: str, expires_at: datetime) -> str:
        expiry = str(int(expires_at.timestamp()))
        return f"{expiry}.{self._signature(subject, expiry)}"

    def verify(self, token: str, subject: str, now: datetime) -> bool:
        expiry, _, signature = token.partition(".")
        if not expiry.isdigit() or len(expiry) > 12 or not signature:
            return False
        expected = self._signature(subject, expiry)
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            return False
        return now < datetime.fromtimestamp(int(expiry), UTC)

    def _signature(self, subject: str, expiry: str) -> str:
        digest = hmac.new(self._key, f"{subject}\n{expiry}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
