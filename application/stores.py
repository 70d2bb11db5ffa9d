"""Saving a store whose connected account changed, with the events the account recorded."""

from __future__ import annotations

from application.outbox import OutboxWriter
from application.ports import UnitOfWork
from domain.store import Store


async def save_store(uow: UnitOfWork, store: Store, outbox: OutboxWriter) -> None:
    await uow.stores.save(store)
    if store.account is not None:
        await outbox.write(uow, store.account.pull_events())
