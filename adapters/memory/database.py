"""The committed state every memory unit of work shares, and the transactions that change it."""

from __future__ import annotations

import copy
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol

from application.ports import CustomerSession, IdempotencyRecord, InboxEvent, OutboxEvent
from domain.ledger import LedgerEntry
from domain.order import Order
from domain.payment import Payment
from domain.payment_method import SavedPaymentMethod
from domain.store import Store

from .journal import Journal, JournalChanges
from .table import Changes, Table


@dataclass(frozen=True, slots=True)
class GatewayCustomer:
    store_id: str
    email: str
    customer_id: str


def _account_id(store: Store) -> str | None:
    return None if store.account is None else store.account.account_id


def _store_at_rest(store: Store) -> Store:
    stored = copy.deepcopy(store)
    if stored.account is not None:
        stored.account.pull_events()
    return stored


def _payment_at_rest(payment: Payment) -> Payment:
    """What a database keeps of a payment: its state, not the events and entries still to pull."""
    stored = copy.deepcopy(payment)
    stored.pull_events()
    stored.pull_ledger_entries()
    return stored


class MemoryDatabase:
    """Committed rows only; a :class:`Transaction` stages changes until it commits them."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.version = 0
        self.stores: Table[str, Store] = Table(
            "store",
            key=lambda store: store.id,
            unique={
                "api key hash": lambda store: store.api_key_hash,
                "account id": _account_id,
            },
            at_rest=_store_at_rest,
        )
        self.orders: Table[str, Order] = Table(
            "order",
            key=lambda order: order.id,
            unique={"reference": lambda order: (order.store_id, order.reference)},
        )
        self.payments: Table[str, Payment] = Table(
            "payment",
            key=lambda payment: payment.id,
            unique={"payment intent": lambda payment: payment.payment_intent_id},
            at_rest=_payment_at_rest,
        )
        self.customers: Table[tuple[str, str], GatewayCustomer] = Table(
            "gateway customer",
            key=lambda customer: (customer.store_id, customer.email),
            unique={"customer id": lambda customer: customer.customer_id},
        )
        self.payment_methods: Table[str, SavedPaymentMethod] = Table(
            "payment method", key=lambda method: method.id
        )
        self.customer_sessions: Table[str, CustomerSession] = Table(
            "customer session",
            key=lambda session: session.id,
            unique={
                "token hash": lambda session: session.token_hash,
                "idempotency key": lambda session: (
                    None
                    if session.idempotency_key is None
                    else (session.store_id, session.idempotency_key)
                ),
            },
        )
        self.inbox: Table[str, InboxEvent] = Table("event", key=lambda event: event.event_id)
        self.ledger: Journal[LedgerEntry] = Journal()
        self.idempotency: Table[tuple[str, str], IdempotencyRecord] = Table(
            "idempotency record", key=lambda record: (record.scope, record.key)
        )
        # Rows keep the order they were first committed in (a dict's), the order of the outbox.
        self.outbox: Table[str, OutboxEvent] = Table("outbox event", key=lambda event: event.id)

    def begin(self) -> Transaction:
        return Transaction(self)


class _Staged(Protocol):
    def check(self) -> None: ...

    def apply(self, version: int) -> None: ...

    def discard(self) -> None: ...


class Transaction:
    """One transaction's view of every table: what it reads is committed state overlaid with
    what it wrote; nothing it writes is visible elsewhere before :meth:`commit`."""

    def __init__(self, database: MemoryDatabase) -> None:
        self._database = database
        lock = database.lock
        self.stores = Changes(database.stores, lock)
        self.orders = Changes(database.orders, lock)
        self.payments = Changes(database.payments, lock)
        self.customers = Changes(database.customers, lock)
        self.payment_methods = Changes(database.payment_methods, lock)
        self.customer_sessions = Changes(database.customer_sessions, lock)
        self.inbox = Changes(database.inbox, lock)
        self.ledger = JournalChanges(database.ledger, lock)
        self.idempotency = Changes(database.idempotency, lock)
        self.outbox = Changes(database.outbox, lock)
        self._tables: tuple[Changes[Any, Any], ...] = (
            self.stores,
            self.orders,
            self.payments,
            self.customers,
            self.payment_methods,
            self.customer_sessions,
            self.inbox,
            self.idempotency,
            self.outbox,
        )
        self._all: tuple[_Staged, ...] = (*self._tables, self.ledger)

    def in_the_way(self) -> Future[None] | None:
        """What the commit must wait for: the end of another transaction that locked a row
        this one writes."""
        return next(filter(None, (table.in_the_way() for table in self._tables)), None)

    def commit(self) -> None:
        """Make every staged change visible at once, or none of them (and raise)."""
        database = self._database
        with database.lock:
            try:
                for staged in self._all:
                    staged.check()
            except Exception:
                self.rollback()
                raise
            database.version += 1
            for staged in self._all:
                staged.apply(database.version)

    def rollback(self) -> None:
        for staged in self._all:
            staged.discard()
