"""Customer sessions over one memory transaction."""

from __future__ import annotations

from application.ports import CustomerSession

from .table import Changes


class MemoryCustomerSessionRepository:
    def __init__(self, rows: Changes[str, CustomerSession]) -> None:
        self._rows = rows

    async def add(self, session: CustomerSession) -> None:
        self._rows.insert(session)

    async def by_token_hash(self, token_hash: str) -> CustomerSession | None:
        found = self._rows.select(lambda session: session.token_hash == token_hash)
        return found[0] if found else None

    async def by_idempotency_key(self, store_id: str, key: str) -> CustomerSession | None:
        found = self._rows.select(
            lambda session: (session.store_id, session.idempotency_key) == (store_id, key)
        )
        return found[0] if found else None

    async def save(self, session: CustomerSession) -> None:
        self._rows.update(session)
