"""The repositories of application.ports over one SQL transaction."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from application.ports import IdempotencyRecord, InboxEvent, InboxStatus, Page
from domain.currency import Currency
from domain.ledger import LedgerEntry
from domain.order import Order
from domain.payment import Payment, PaymentStatus
from domain.payment_method import SavedPaymentMethod
from domain.refund import RefundStatus
from domain.store import Store

from . import mapping
from .steps import Step
from .tables import (
    connected_accounts,
    disputes,
    gateway_customers,
    idempotency_records,
    inbox_events,
    ledger_entries,
    orders,
    payment_methods,
    payments,
    refunds,
    stores,
)
from .transaction import Key, MissingRecord, Transaction

_UNREAD = object()
_OPEN = [status.value for status in PaymentStatus if status.is_open]
_REFUND_PENDING = [RefundStatus.PENDING.value, RefundStatus.REQUIRES_ACTION.value]


class _Versioned:
    """Saving a row only if nobody changed it since this transaction read it, and writing only
    the columns that changed. Statements are built once per table and run with parameters."""

    def __init__(self, transaction: Transaction, table: sa.Table, key_column: str) -> None:
        self._tx = transaction
        self._table = table
        self._key_column = table.c[key_column]
        self._insert_row, self._update_row, self._version_of = _row_statements(table, key_column)

    def _key(self, key: Hashable) -> Key:
        return self._table.name, key

    def _saw(self, key: Hashable, row: Mapping[Any, Any]) -> None:
        self._tx.remember_read(self._key(key), row)

    async def _insert(
        self,
        key: Hashable,
        values: dict[str, Any],
        *also: sa.Executable,
        children: Mapping[Key, Sequence[Mapping[str, Any]]] | None = None,
    ) -> None:
        """Insert the row at ``key`` (version 1), then run ``also``, the inserts of its
        ``children``."""
        row = {**values, "version": 1}
        self._tx.remember_added(self._key(key), row, children)
        steps = [Step(self._insert_row, row, mergeable=True), *map(Step, also)]
        await self._tx.write(self._key(key), steps)

    async def _update(self, key: Hashable, values: dict[str, Any], *also: sa.Executable) -> None:
        """Write what changed of ``values`` over the row at ``key``, then run ``also``."""
        row_key = self._key(key)
        read = self._tx.version_of(row_key)
        if read is None:
            read = await self._tx.scalar(self._version_of, {"key_": key}, key=row_key)
            if read is None:
                raise MissingRecord(f"no {self._table.name} row {key!r} to save")
        as_read = self._tx.row_of(row_key)
        changed = (
            values
            if as_read is None
            else {
                column: value
                for column, value in values.items()
                if as_read.get(column, _UNREAD) != value
            }
        )
        if not changed and not also and self._tx.was_added(row_key):
            return  # inserted by this transaction as it is: no one else can have changed it
        self._tx.remember_saved(row_key, changed, read + 1)
        parameters = {**changed, "version": read + 1, "key_": key, "read_": read}
        refused = f"{self._table.name} row {key!r} was changed by another unit of work"
        steps = [Step(self._update_row, parameters, refused, mergeable=True), *map(Step, also)]
        await self._tx.write(row_key, steps)


@functools.cache
def _row_statements(
    table: sa.Table, key_column: str
) -> tuple[sa.Insert, sa.Update, sa.Select[Any]]:
    """Insert a row; update the row at ``key_`` if its version is still ``read_``; read the
    version of the row at ``key_``. Built once per table (every unit of work has repositories)."""
    key = table.c[key_column]
    return (
        table.insert(),
        sa.update(table).where(
            key == sa.bindparam("key_"), table.c.version == sa.bindparam("read_")
        ),
        sa.select(table.c.version).where(key == sa.bindparam("key_")),
    )


class SqlStoreRepository(_Versioned):
    def __init__(self, transaction: Transaction) -> None:
        super().__init__(transaction, stores, "id")

    async def add(self, store: Store) -> None:
        await self._insert(store.id, mapping.store_values(store), *self._account_writes(store))

    async def get(self, store_id: str) -> Store | None:
        return await self._one(_STORE_BY_ID, self._key(store_id), {"store_": store_id})

    async def by_api_key_hash(self, api_key_hash: str) -> Store | None:
        return await self._one(stores.c.api_key_hash == api_key_hash)

    async def by_account_id(self, account_id: str) -> Store | None:
        owner = sa.select(connected_accounts.c.store_id).where(
            connected_accounts.c.account_id == account_id
        )
        return await self._one(stores.c.id.in_(owner.scalar_subquery()))

    async def save(self, store: Store) -> None:
        values = mapping.store_values(store)
        del values["id"]
        await self._update(store.id, values, *self._account_writes(store, replace=True))

    @staticmethod
    def _account_writes(store: Store, *, replace: bool = False) -> list[sa.Executable]:
        writes: list[sa.Executable] = []
        if replace:
            writes.append(
                sa.delete(connected_accounts).where(connected_accounts.c.store_id == store.id)
            )
        if store.account is not None:
            writes.append(
                sa.insert(connected_accounts).values(**mapping.account_values(store.account))
            )
        return writes

    async def _one(
        self,
        where: sa.ColumnElement[bool] | sa.Select[Any],
        key: Key | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> Store | None:
        """The store ``where`` picks, or that the prepared query ``where`` reads."""
        query = where if isinstance(where, sa.Select) else _STORE_WITH_ACCOUNT.where(where)
        rows = await self._tx.fetch(query, parameters, key=key)
        if not rows:
            return None
        row = rows[0]
        self._saw(row["id"], row)
        account = None
        if row["account_store_id"] is not None:
            account = {
                column.name: row[f"account_{column.name}"] for column in connected_accounts.c
            }
        return mapping.store_from(row, account)


_STORE_WITH_ACCOUNT = sa.select(
    stores, *[column.label(f"account_{column.name}") for column in connected_accounts.c]
).select_from(stores.outerjoin(connected_accounts))
_STORE_BY_ID = _STORE_WITH_ACCOUNT.where(stores.c.id == sa.bindparam("store_"))


class SqlOrderRepository(_Versioned):
    def __init__(self, transaction: Transaction) -> None:
        super().__init__(transaction, orders, "id")

    async def add(self, order: Order) -> None:
        await self._insert(order.id, mapping.order_values(order))

    async def get(self, store_id: str, order_id: str) -> Order | None:
        known = self._tx.row_of(self._key(order_id))
        if known is not None and known["store_id"] == store_id:
            # Read (or written) already in this transaction, with its payment perhaps: the
            # row as this transaction knows it is the one its save is checked against.
            return mapping.order_from(known)
        rows = await self._tx.fetch(
            _ORDER, {"order_": order_id, "store_": store_id}, key=self._key(order_id)
        )
        return self._found(rows[0] if rows else None)

    async def by_reference(self, store_id: str, reference: str) -> Order | None:
        return await self._one(
            sa.and_(orders.c.store_id == store_id, orders.c.reference == reference)
        )

    async def save(self, order: Order) -> None:
        values = mapping.order_values(order)
        del values["id"]
        await self._update(order.id, values)

    async def _one(self, where: sa.ColumnElement[bool]) -> Order | None:
        rows = await self._tx.fetch(sa.select(orders).where(where), tables=[orders.name])
        return self._found(rows[0] if rows else None)

    def _found(self, row: Mapping[Any, Any] | None) -> Order | None:
        if row is None:
            return None
        self._saw(row["id"], row)
        return mapping.order_from(row)


_ORDER = sa.select(orders).where(
    orders.c.id == sa.bindparam("order_"), orders.c.store_id == sa.bindparam("store_")
)


def _newest_first() -> tuple[sa.UnaryExpression[Any], sa.UnaryExpression[Any]]:
    return payments.c.created_at.desc(), payments.c.id.desc()


def _oldest_first() -> tuple[sa.UnaryExpression[Any], sa.UnaryExpression[Any]]:
    return payments.c.created_at.asc(), payments.c.id.asc()


class SqlPaymentRepository(_Versioned):
    def __init__(self, transaction: Transaction) -> None:
        super().__init__(transaction, payments, "id")

    async def add(self, payment: Payment) -> None:
        children = _child_rows(payment)
        inserts = [sa.insert(table).values(values) for table, values in children if values]
        await self._insert(
            payment.id,
            mapping.payment_values(payment),
            *inserts,
            children={(table.name, payment.id): values for table, values in children},
        )

    async def get(self, store_id: str, payment_id: str) -> Payment | None:
        found = await self._select(
            sa.select(payments).where(payments.c.id == payment_id, payments.c.store_id == store_id),
            self._key(payment_id),
        )
        return found[0] if found else None

    async def by_intent_id(self, payment_intent_id: str, *, lock: bool = False) -> Payment | None:
        found = await self._select(
            _BY_INTENT_LOCKED if lock else _BY_INTENT,
            parameters={"gateway_id_": payment_intent_id},
            lock=lock,
        )
        return found[0] if found else None

    async def by_charge_id(self, charge_id: str, *, lock: bool = False) -> Payment | None:
        found = await self._select(
            _BY_CHARGE_LOCKED if lock else _BY_CHARGE,
            parameters={"gateway_id_": charge_id},
            lock=lock,
        )
        return found[0] if found else None

    async def latest_for_order(self, store_id: str, order_id: str) -> Payment | None:
        found = await self._select(
            _LATEST_FOR_ORDER, parameters={"store_": store_id, "order_": order_id}
        )
        return found[0] if found else None

    async def page(
        self,
        store_id: str,
        *,
        limit: int,
        status: PaymentStatus | None = None,
        starting_after: str | None = None,
    ) -> Page[Payment]:
        query = sa.select(payments).where(payments.c.store_id == store_id)
        if starting_after is not None:
            cursor = await self._position(
                payments.c.store_id == store_id, payments.c.id == starting_after
            )
            if cursor is None:
                return Page(data=[], has_more=False)
            query = query.where(_before(*cursor))
        if status is not None:
            query = query.where(payments.c.status == status.value)
        found = await self._select(query.order_by(*_newest_first()).limit(max(limit, 0) + 1))
        return Page(data=found[:limit], has_more=len(found) > limit)

    async def awaiting_outcome(
        self, created_before: datetime, limit: int, *, after: str | None = None
    ) -> list[Payment]:
        query = sa.select(payments).where(
            payments.c.status.in_(_OPEN), payments.c.created_at < created_before
        )
        if after is not None:
            previous = await self._position(payments.c.id == after)
            if previous is not None:
                query = query.where(_after(*previous))
        return await self._select(query.order_by(*_oldest_first()).limit(max(limit, 0)))

    async def with_pending_refunds(self, requested_before: datetime, limit: int) -> list[Payment]:
        pending = (
            sa.select(refunds.c.payment_id)
            .where(
                refunds.c.store_id == payments.c.store_id,
                refunds.c.payment_id == payments.c.id,
                refunds.c.status.in_(_REFUND_PENDING),
                refunds.c.created_at < requested_before,
            )
            .exists()
        )
        return await self._select(
            sa.select(payments).where(pending).order_by(*_oldest_first()).limit(max(limit, 0))
        )

    async def save(self, payment: Payment) -> None:
        """The payment's row, and its refunds and disputes when they changed (rewritten then,
        as a list: their order is their place on the payment)."""
        values = mapping.payment_values(payment)
        del values["id"]
        await self._update(payment.id, values, *self._changed_children(payment))

    async def count_by_status(self) -> dict[PaymentStatus, int]:
        rows = await self._tx.fetch(
            sa.select(payments.c.status, sa.func.count().label("count")).group_by(
                payments.c.status
            ),
            tables=[payments.name],
        )
        return {PaymentStatus(row["status"]): row["count"] for row in rows}

    async def _position(self, *where: sa.ColumnElement[bool]) -> tuple[datetime, str] | None:
        """Where the payment ``where`` picks stands in a list: its creation time, then its id."""
        rows = await self._tx.fetch(
            sa.select(payments.c.created_at, payments.c.id).where(*where), tables=[payments.name]
        )
        return (rows[0]["created_at"], rows[0]["id"]) if rows else None

    def _changed_children(self, payment: Payment) -> list[sa.Executable]:
        writes: list[sa.Executable] = []
        for table, values in _child_rows(payment):
            key = (table.name, payment.id)
            as_read = self._tx.children_of(key)
            if as_read is not None and _same_rows(as_read, values):
                continue
            self._tx.remember_children(key, values)
            writes.append(
                sa.delete(table).where(
                    table.c.store_id == payment.store_id, table.c.payment_id == payment.id
                )
            )
            if values:
                writes.append(sa.insert(table).values(values))
        return writes

    async def _select(
        self,
        query: sa.Select[Any],
        key: Key | None = None,
        parameters: dict[str, Any] | None = None,
        *,
        lock: bool = False,
    ) -> list[Payment]:
        rows = await self._tx.fetch(query, parameters, key=key, tables=_PAYMENT_READS, lock=lock)
        if not rows:
            return []
        # The payment's row says whether it has refunds or disputes to read (its counts). A row
        # locked with FOR UPDATE is read as last committed once the lock is granted, but a
        # subquery of the same statement (an EXISTS on the refunds, say) would see the
        # statement's older snapshot.
        of_refunds = await self._children(
            refunds, [row["id"] for row in rows if row["refund_count"]], key
        )
        of_disputes = await self._children(
            disputes, [row["id"] for row in rows if row["dispute_count"]], key
        )
        found = []
        for row in rows:
            payment_id = row["id"]
            if row.get("order__id") is not None:
                order = {column.name: row[f"order__{column.name}"] for column in orders.c}
                self._tx.remember_read((orders.name, order["id"]), order)
            self._tx.remember_read(
                self._key(payment_id),
                row,
                {
                    (refunds.name, payment_id): of_refunds[payment_id],
                    (disputes.name, payment_id): of_disputes[payment_id],
                },
            )
            found.append(mapping.payment_from(row, of_refunds[payment_id], of_disputes[payment_id]))
        return found

    async def _children(
        self, table: sa.Table, payment_ids: Sequence[str], key: Key | None
    ) -> defaultdict[str, list[Any]]:
        """The rows of ``table`` of each of the payments ``payment_ids`` (read as those at
        ``key`` were), in their order."""
        grouped: defaultdict[str, list[Any]] = defaultdict(list)
        if not payment_ids:
            return grouped
        rows = await self._tx.fetch(
            sa.select(table)
            .where(table.c.payment_id.in_(payment_ids))
            .order_by(table.c.payment_id, table.c.position),
            key=key,
            tables=_PAYMENT_READS,
        )
        for row in rows:
            grouped[row["payment_id"]].append(row)
        return grouped


# What a payment's queries read: a write held back elsewhere (the inbox's, say) need not be made
# before them.
_PAYMENT_READS = frozenset({payments.name, orders.name, refunds.name, disputes.name})

# Newest first, the limit written into the statement: PostgreSQL plans it for one row.
_LATEST_FOR_ORDER = (
    sa.select(payments)
    .where(
        payments.c.store_id == sa.bindparam("store_"),
        payments.c.order_id == sa.bindparam("order_"),
    )
    .order_by(*_newest_first())
    .limit(sa.literal_column("1"))
)


# A webhook's payment comes with its order, which the event changes too: one round trip fewer.
# Locked, it comes alone: a row locked with FOR UPDATE is read as last committed once the lock
# is granted, but the order joined to it would be the one of the statement's older snapshot
# (and its save refused); the order is read after the lock, as the payment's children are.
def _found_by(column: sa.Column[Any]) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """The payment whose ``column`` is the gateway id ``gateway_id_``, with its order; and the
    same payment alone, locked (its order is read afresh once the lock is held)."""
    with_order = (
        sa.select(payments, *[c.label(f"order__{c.name}") for c in orders.c])
        .select_from(
            payments.outerjoin(
                orders,
                sa.and_(
                    orders.c.store_id == payments.c.store_id, orders.c.id == payments.c.order_id
                ),
            )
        )
        .where(column == sa.bindparam("gateway_id_"))
    )
    locked = sa.select(payments).where(column == sa.bindparam("gateway_id_")).with_for_update()
    return with_order, locked


_BY_INTENT, _BY_INTENT_LOCKED = _found_by(payments.c.payment_intent_id)
_BY_CHARGE, _BY_CHARGE_LOCKED = _found_by(payments.c.charge_id)


def _child_rows(payment: Payment) -> tuple[tuple[sa.Table, list[mapping.Values]], ...]:
    """The payment's refunds and disputes, as rows of their tables, in their order."""
    return (
        (refunds, mapping.refund_values(payment)),
        (disputes, mapping.dispute_values(payment)),
    )


def _same_rows(as_read: Sequence[Mapping[str, Any]], values: Sequence[Mapping[str, Any]]) -> bool:
    return len(as_read) == len(values) and all(
        all(row.get(column, _UNREAD) == value for column, value in new.items())
        for row, new in zip(as_read, values, strict=True)
    )


def _before(created_at: datetime, payment_id: str) -> sa.ColumnElement[bool]:
    return sa.or_(
        payments.c.created_at < created_at,
        sa.and_(payments.c.created_at == created_at, payments.c.id < payment_id),
    )


def _after(created_at: datetime, payment_id: str) -> sa.ColumnElement[bool]:
    return sa.or_(
        payments.c.created_at > created_at,
        sa.and_(payments.c.created_at == created_at, payments.c.id > payment_id),
    )


_GATEWAY_CUSTOMER = sa.select(gateway_customers.c.customer_id).where(
    gateway_customers.c.store_id == sa.bindparam("store_"),
    gateway_customers.c.email == sa.bindparam("email_"),
)


class SqlCustomerRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    async def gateway_customer(self, store_id: str, email: str) -> str | None:
        customer: str | None = await self._tx.scalar(
            _GATEWAY_CUSTOMER,
            {"store_": store_id, "email_": email},
            key=("gateway_customers", (store_id, email)),
        )
        return customer

    async def add_gateway_customer(self, store_id: str, email: str, customer_id: str) -> None:
        statement = sa.insert(gateway_customers).values(
            store_id=store_id, email=email, customer_id=customer_id
        )
        await self._tx.write(("gateway_customers", (store_id, email)), [Step(statement)])

    async def by_gateway_customer(self, customer_id: str) -> tuple[str, str] | None:
        rows = await self._tx.fetch(
            sa.select(gateway_customers.c.store_id, gateway_customers.c.email).where(
                gateway_customers.c.customer_id == customer_id
            ),
            tables=[gateway_customers.name],
        )
        return (rows[0]["store_id"], rows[0]["email"]) if rows else None


class SqlPaymentMethodRepository(_Versioned):
    def __init__(self, transaction: Transaction) -> None:
        super().__init__(transaction, payment_methods, "id")

    async def for_customer(self, store_id: str, email: str) -> list[SavedPaymentMethod]:
        """Oldest first."""
        return await self._select(
            sa.select(payment_methods)
            .where(
                payment_methods.c.store_id == store_id, payment_methods.c.customer_email == email
            )
            .order_by(payment_methods.c.created_at, payment_methods.c.id)
        )

    async def get(self, store_id: str, payment_method_id: str) -> SavedPaymentMethod | None:
        found = await self._select(
            sa.select(payment_methods).where(
                payment_methods.c.id == payment_method_id, payment_methods.c.store_id == store_id
            ),
            self._key(payment_method_id),
        )
        return found[0] if found else None

    async def by_gateway_id(self, payment_method_id: str) -> SavedPaymentMethod | None:
        found = await self._select(
            sa.select(payment_methods).where(payment_methods.c.id == payment_method_id),
            self._key(payment_method_id),
        )
        return found[0] if found else None

    async def add(self, method: SavedPaymentMethod) -> None:
        await self._insert(method.id, mapping.payment_method_values(method))

    async def save(self, method: SavedPaymentMethod) -> None:
        values = mapping.payment_method_values(method)
        del values["id"]
        await self._update(method.id, values)

    async def remove(self, store_id: str, payment_method_id: str) -> None:
        statement = sa.delete(payment_methods).where(
            payment_methods.c.id == payment_method_id, payment_methods.c.store_id == store_id
        )
        await self._tx.write(self._key(payment_method_id), [Step(statement)])

    async def _select(
        self, query: sa.Select[Any], key: Key | None = None
    ) -> list[SavedPaymentMethod]:
        found = []
        for row in await self._tx.fetch(query, key=key, tables=[payment_methods.name]):
            self._saw(row["id"], row)
            found.append(mapping.payment_method_from(row))
        return found


class SqlEventInbox(_Versioned):
    def __init__(self, transaction: Transaction) -> None:
        super().__init__(transaction, inbox_events, "event_id")

    async def add(self, event: InboxEvent) -> bool:
        key = self._key(event.event_id)
        row = {**mapping.event_values(event), "version": 1}
        if not await self._tx.insert_unless_known(key, inbox_events, row):
            return False
        self._tx.remember_added(key, row)
        return True

    async def claim(self, event: InboxEvent) -> None:
        # The primary key refuses a known id when the insert is made, at the latest the commit.
        await self._insert(event.event_id, mapping.event_values(event))

    async def get(self, event_id: str) -> InboxEvent | None:
        found = await self._select(
            sa.select(inbox_events).where(inbox_events.c.event_id == event_id),
            self._key(event_id),
        )
        return found[0] if found else None

    async def save(self, event: InboxEvent) -> None:
        values = mapping.event_values(event)
        del values["event_id"]
        await self._update(event.event_id, values)

    async def failed(self, limit: int) -> list[InboxEvent]:
        return await self._select(
            sa.select(inbox_events)
            .where(inbox_events.c.status == InboxStatus.FAILED.value)
            .order_by(inbox_events.c.received_at, inbox_events.c.event_id)
            .limit(max(limit, 0))
        )

    async def count_failed(self) -> int:
        count = await self._tx.scalar(
            sa.select(sa.func.count()).where(inbox_events.c.status == InboxStatus.FAILED.value),
            tables=[inbox_events.name],
        )
        return int(count or 0)

    async def _select(self, query: sa.Select[Any], key: Key | None = None) -> list[InboxEvent]:
        found = []
        for row in await self._tx.fetch(query, key=key, tables=[inbox_events.name]):
            self._saw(row["event_id"], row)
            found.append(mapping.event_from(row))
        return found


class SqlLedgerRepository:
    """Append-only: entries are inserted, never updated or deleted."""

    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    async def add(self, entries: Sequence[LedgerEntry]) -> None:
        if not entries:
            return
        rows = [mapping.entry_values(entry) for entry in entries]
        await self._tx.write(None, [Step(_INSERT_ENTRY, rows, mergeable=True)])

    async def for_store(self, store_id: str) -> list[LedgerEntry]:
        return await self._select(ledger_entries.c.store_id == store_id)

    async def all(self, currency: Currency | None = None) -> list[LedgerEntry]:
        return await self._select(
            sa.true() if currency is None else ledger_entries.c.currency == currency.code
        )

    async def _select(self, where: sa.ColumnElement[bool]) -> list[LedgerEntry]:
        rows = await self._tx.fetch(
            sa.select(ledger_entries).where(where).order_by(ledger_entries.c.sequence),
            tables=[ledger_entries.name],
        )
        return [mapping.entry_from(row) for row in rows]


_INSERT_ENTRY = ledger_entries.insert()


class SqlIdempotencyRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    async def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        rows = await self._tx.fetch(
            sa.select(idempotency_records).where(_the_record(scope, key)),
            key=("idempotency_records", (scope, key)),
        )
        return mapping.record_from(rows[0]) if rows else None

    async def add(self, record: IdempotencyRecord) -> None:
        statement = sa.insert(idempotency_records).values(**mapping.record_values(record))
        await self._tx.write(("idempotency_records", (record.scope, record.key)), [Step(statement)])

    async def answer(self, scope: str, key: str, claimed_at: datetime, result: bytes) -> None:
        statement = (
            sa.update(idempotency_records)
            .where(
                _the_record(scope, key),
                idempotency_records.c.created_at == claimed_at,
                idempotency_records.c.result.is_(None),
            )
            .values(result=result)
        )
        refused = f"the claim on idempotency key {key!r} is no longer held"
        await self._tx.write(
            ("idempotency_records", (scope, key)), [Step(statement, refused=refused)]
        )

    async def remove(self, scope: str, key: str, created_at: datetime) -> None:
        statement = sa.delete(idempotency_records).where(
            _the_record(scope, key), idempotency_records.c.created_at == created_at
        )
        await self._tx.write(("idempotency_records", (scope, key)), [Step(statement)])

    async def remove_older(self, key_prefix: str, created_before: datetime) -> int:
        statement = sa.delete(idempotency_records).where(
            idempotency_records.c.key.startswith(key_prefix, autoescape=True),
            idempotency_records.c.created_at < created_before,
        )
        return await self._tx.write_now(statement)  # made now, to know how many


def _the_record(scope: str, key: str) -> sa.ColumnElement[bool]:
    return sa.and_(idempotency_records.c.scope == scope, idempotency_records.c.key == key)
