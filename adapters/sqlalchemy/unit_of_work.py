"""The SQL unit of work: one database transaction behind every repository."""

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
from .token_uses import SqlTokenUses
from .transaction import Transaction


class SqlUnitOfWork:
    def __init__(self, engine: AsyncEngine) -> None:
        self._transaction = transaction = Transaction(engine)
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

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)
