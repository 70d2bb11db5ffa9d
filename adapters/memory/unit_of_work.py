"""The memory unit of work: one transaction on a shared :class:`MemoryDatabase`.

Isolation is "read committed": a unit of work sees what others committed up to each read, plus
its own uncommitted writes. Conflicting writes are settled by the first commit: a unit of work
whose commit would overwrite a row another one committed after it read it raises
:class:`ConcurrentUpdate` and commits nothing. A read that locks (``lock=True``) holds its rows
until the unit of work ends, as the SQL adapters' do: another unit of work's locking read of
them, or its commit of a change to them, waits until then.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Self

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

from .customer_sessions import MemoryCustomerSessionRepository
from .database import MemoryDatabase
from .outbox import MemoryDomainEventOutbox
from .repositories import (
    MemoryCustomerRepository,
    MemoryEventInbox,
    MemoryIdempotencyRepository,
    MemoryLedgerRepository,
    MemoryOrderRepository,
    MemoryPaymentMethodRepository,
    MemoryPaymentRepository,
    MemoryStoreRepository,
)


class MemoryUnitOfWork:
    def __init__(self, database: MemoryDatabase) -> None:
        self._transaction = transaction = database.begin()
        self.stores: StoreRepository = MemoryStoreRepository(transaction.stores)
        self.orders: OrderRepository = MemoryOrderRepository(transaction.orders)
        self.payments: PaymentRepository = MemoryPaymentRepository(transaction.payments)
        self.customers: CustomerRepository = MemoryCustomerRepository(transaction.customers)
        self.payment_methods: PaymentMethodRepository = MemoryPaymentMethodRepository(
            transaction.payment_methods
        )
        self.customer_sessions: CustomerSessionRepository = MemoryCustomerSessionRepository(
            transaction.customer_sessions
        )
        self.inbox: EventInbox = MemoryEventInbox(transaction.inbox)
        self.ledger: LedgerRepository = MemoryLedgerRepository(transaction.ledger)
        self.idempotency: IdempotencyRepository = MemoryIdempotencyRepository(
            transaction.idempotency
        )
        self.outbox: DomainEventOutbox = MemoryDomainEventOutbox(transaction.outbox)

    async def __aenter__(self) -> Self:
        self._transaction.rollback()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._transaction.rollback()

    async def commit(self) -> None:
        while (in_the_way := self._transaction.in_the_way()) is not None:
            await asyncio.wrap_future(in_the_way)
        self._transaction.commit()

    async def rollback(self) -> None:
        self._transaction.rollback()


class MemoryUnitOfWorkFactory:
    """Units of work on one shared database (a new, empty one unless given)."""

    def __init__(self, database: MemoryDatabase | None = None) -> None:
        self.database = MemoryDatabase() if database is None else database

    def __call__(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.database)
