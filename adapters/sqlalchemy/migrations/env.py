"""Alembic's environment: async engines, batch mode for SQLite, the tables' metadata."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from adapters.sqlalchemy.migrations import check_foreign_keys, migration_engine
from adapters.sqlalchemy.tables import UtcDateTime, metadata

config = context.config


def _render_item(type_: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # Migrations stay independent of the adapter's Python types: the column type is enough.
    if type_ == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
        check_foreign_keys(connection)


async def _run_on_own_engine() -> None:
    engine = migration_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run_with)
    finally:
        await engine.dispose()


def _run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        render_as_batch=True,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
elif (shared := config.attributes.get("connection")) is not None:
    run_with(shared)
else:
    asyncio.run(_run_on_own_engine())
