"""Single-use tokens used so far, in the database every process of the service shares.

A use is one row whose key is the token's id: of two processes using one token at once, the
database lets one insert it and the other finds it there. Rows past their ``keep_until`` are
deleted on the way, so the table holds only tokens that could still verify.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from .engine import begin_immediately, write_lock
from .tables import used_tokens


class SqlTokenUses:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._insert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert

    async def use(self, token_id: str, *, now: datetime, keep_until: datetime) -> bool:
        statement = (
            self._insert(used_tokens)
            .values(token_id=token_id, used_at=now, keep_until=keep_until)
            .on_conflict_do_nothing(index_elements=[used_tokens.c.token_id])
            .returning(used_tokens.c.token_id)
        )
        if self._engine.dialect.name != "sqlite":
            return await self._write(statement, now)
        async with write_lock(self._engine):  # SQLite: this process's writers queue here
            return await self._write(statement, now)

    async def _write(self, statement: sa.Insert, now: datetime) -> bool:
        async with self._engine.connect() as connection:
            begin_immediately(connection)
            async with connection.begin():
                forgotten = sa.delete(used_tokens).where(used_tokens.c.keep_until < now)
                await connection.execute(forgotten)
                return (await connection.execute(statement)).first() is not None
