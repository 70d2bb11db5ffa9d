"""The SQL unit of work: one database transaction behind every repository.

The factory picks the transaction for the engine's database, here and nowhere else: SQLite
through aiosqlite, PostgreSQL through asyncpg. storepay keeps its data in no other.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine

from application.ports import (
    CustomerRepository,
    CustomerSessionRepository,
    DomainEventOutbox,
    EventInbox,
    IdempotencyRepository,
    LedgerRepository,
    OrderRepository,
    PaymentMethodRepository,
    PaymentRepository,
    StoreRepository,
)

from .customer_sessions import SqlCustomerSessionRepository
from .outbox import SqlDomainEventOutbox
from .postgres_transaction import PostgresTransaction
from .repositories import (
    SqlCustomerRepository,
    SqlEventInbox,
    SqlIdempotencyRepository,
    SqlLedgerRepository,
    SqlOrderRepository,
    SqlPaymentMethodRepository,
    SqlPaymentRepository,
    SqlStoreRepository,
)
from .sqlite_transaction import SqliteTransaction
from .token_uses import SqlTokenUses
from .transaction import Transaction

_TRANSACTIONS: dict[tuple[str, str], type[Transaction]] = {
    ("sqlite", "aiosqlite"): SqliteTransaction,
    ("postgresql", "asyncpg"): PostgresTransaction,
}


class UnsupportedDatabase(ValueError):
    """An engine on a database (or a driver) storepay does not keep its data in."""


class SqlUnitOfWork:
    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction
        self.stores: StoreRepository = SqlStoreRepository(transaction)
        self.orders: OrderRepository = SqlOrderRepository(transaction)
        self.payments: PaymentRepository = SqlPaymentRepository(transaction)
        self.customers: CustomerRepository = SqlCustomerRepository(transaction)
        self.payment_methods: PaymentMethodRepository = SqlPaymentMethodRepository(transaction)
        self.customer_sessions: CustomerSessionRepository = SqlCustomerSessionRepository(
            transaction
        )
        self.inbox: EventInbox = SqlEventInbox(transaction)
        self.ledger: LedgerRepository = SqlLedgerRepository(transaction)
        self.idempotency: IdempotencyRepository = SqlIdempotencyRepository(transaction)
        self.outbox: DomainEventOutbox = SqlDomainEventOutbox(transaction)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._transaction.close()

    async def commit(self) -> None:
        await self._transaction.commit()

    async def rollback(self) -> None:
        await self._transaction.rollback()


class SqlUnitOfWorkFactory:
    """Units of work on one engine; the schema must be migrated (see ``migrations.upgrade``).
    The same database keeps which single-use tokens were used (``token_uses``)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.token_uses = SqlTokenUses(engine)
        self._transaction = transaction_for(engine)

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._transaction(self.engine))


def transaction_for(engine: AsyncEngine) -> type[Transaction]:
    """The transaction for ``engine``'s database; :class:`UnsupportedDatabase` for another."""
    dialect = engine.dialect
    transaction = _TRANSACTIONS.get((dialect.name, dialect.driver))
    if transaction is None:
        raise UnsupportedDatabase(
            f"storepay keeps its data in SQLite (sqlite+aiosqlite) or PostgreSQL"
            f" (postgresql+asyncpg), not in {dialect.name}+{dialect.driver}"
        )
    return transaction
