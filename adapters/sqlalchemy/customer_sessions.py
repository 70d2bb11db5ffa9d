"""Customer sessions over one SQL transaction: found by their token's hash, saved only if
nobody saved them since they were read (so a session is used once)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from application.ports import CustomerSession

from .repositories import _Versioned
from .tables import customer_sessions
from .transaction import Transaction

_COLUMNS = (
    "id",
    "store_id",
    "order_id",
    "customer_email",
    "token_hash",
    "created_at",
    "expires_at",
    "idempotency_key",
    "used_at",
)
_BY_TOKEN_HASH = sa.select(customer_sessions).where(
    customer_sessions.c.token_hash == sa.bindparam("token_hash_")
)
_BY_IDEMPOTENCY_KEY = sa.select(customer_sessions).where(
    customer_sessions.c.store_id == sa.bindparam("store_"),
    customer_sessions.c.idempotency_key == sa.bindparam("key_"),
)


class SqlCustomerSessionRepository(_Versioned):
    def __init__(self, transaction: Transaction) -> None:
        super().__init__(transaction, customer_sessions, "id")

    async def add(self, session: CustomerSession) -> None:
        await self._insert(session.id, _values(session))

    async def by_token_hash(self, token_hash: str) -> CustomerSession | None:
        return await self._one(_BY_TOKEN_HASH, {"token_hash_": token_hash})

    async def by_idempotency_key(self, store_id: str, key: str) -> CustomerSession | None:
        return await self._one(_BY_IDEMPOTENCY_KEY, {"store_": store_id, "key_": key})

    async def save(self, session: CustomerSession) -> None:
        values = _values(session)
        del values["id"]
        await self._update(session.id, values)

    async def _one(
        self, query: sa.Select[Any], parameters: Mapping[str, Any]
    ) -> CustomerSession | None:
        rows = await self._tx.fetch(query, parameters, tables=[customer_sessions.name])
        if not rows:
            return None
        row = rows[0]
        self._saw(row["id"], row)
        return CustomerSession(**{column: row[column] for column in _COLUMNS})


def _values(session: CustomerSession) -> dict[str, Any]:
    return {column: getattr(session, column) for column in _COLUMNS}
