"""Unguessable secrets for API keys."""

from __future__ import annotations

import secrets


class RandomSecrets:
    def new_secret(self, prefix: str) -> str:
        return f"{prefix}{secrets.token_urlsafe(32)}"
