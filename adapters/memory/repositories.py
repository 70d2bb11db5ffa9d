"""The repositories of application.ports over one memory transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from application.ports import ConcurrentUpdate, IdempotencyRecord, InboxEvent, InboxStatus, Page
from domain.currency import Currency
from domain.ledger import LedgerEntry
from domain.order import Order
from domain.payment import Payment, PaymentStatus
from domain.payment_method import SavedPaymentMethod
from domain.refund import RefundStatus
from domain.store import Store

from .database import GatewayCustomer
from .journal import JournalChanges
from .table import Changes, Ordering


def _newest(payment: Payment) -> Ordering:
    return payment.created_at, payment.id


class MemoryStoreRepository:
    def __init__(self, rows: Changes[str, Store]) -> None:
        self._rows = rows

    async def add(self, store: Store) -> None:
        self._rows.insert(store)

    async def get(self, store_id: str) -> Store | None:
        return self._rows.get(store_id)

    async def by_api_key_hash(self, api_key_hash: str) -> Store | None:
        found = self._rows.select(lambda store: store.api_key_hash == api_key_hash)
        return found[0] if found else None

    async def by_account_id(self, account_id: str) -> Store | None:
        found = self._rows.select(
            lambda store: store.account is not None and store.account.account_id == account_id
        )
        return found[0] if found else None

    async def save(self, store: Store) -> None:
        self._rows.update(store)


class MemoryOrderRepository:
    def __init__(self, rows: Changes[str, Order]) -> None:
        self._rows = rows

    async def add(self, order: Order) -> None:
        self._rows.insert(order)

    async def get(self, store_id: str, order_id: str) -> Order | None:
        order = self._rows.get(order_id)
        return order if order is not None and order.store_id == store_id else None

    async def by_reference(self, store_id: str, reference: str) -> Order | None:
        found = self._rows.select(
            lambda order: order.store_id == store_id and order.reference == reference
        )
        return found[0] if found else None

    async def save(self, order: Order) -> None:
        self._rows.update(order)


class MemoryPaymentRepository:
    def __init__(self, rows: Changes[str, Payment]) -> None:
        self._rows = rows

    async def add(self, payment: Payment) -> None:
        self._rows.insert(payment)

    async def get(self, store_id: str, payment_id: str) -> Payment | None:
        payment = self._rows.get(payment_id)
        return payment if payment is not None and payment.store_id == store_id else None

    async def by_intent_id(self, payment_intent_id: str, *, lock: bool = False) -> Payment | None:
        return await self._one(lambda payment: payment.payment_intent_id == payment_intent_id, lock)

    async def by_charge_id(self, charge_id: str, *, lock: bool = False) -> Payment | None:
        return await self._one(lambda payment: payment.charge_id == charge_id, lock)

    async def _one(self, matches: Callable[[Payment], bool], lock: bool) -> Payment | None:
        found = await self._rows.select_locked(matches) if lock else self._rows.select(matches)
        return found[0] if found else None

    async def latest_for_order(self, store_id: str, order_id: str) -> Payment | None:
        found = self._rows.select(
            lambda payment: payment.store_id == store_id and payment.order_id == order_id,
            order_by=_newest,
            descending=True,
            limit=1,
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
        before: Ordering | None = None
        if starting_after is not None:
            cursor = await self.get(store_id, starting_after)
            if cursor is None:
                return Page(data=[], has_more=False)
            before = _newest(cursor)

        def wanted(payment: Payment) -> bool:
            return (
                payment.store_id == store_id
                and (status is None or payment.status is status)
                and (before is None or _newest(payment) < before)
            )

        found = self._rows.select(wanted, order_by=_newest, descending=True, limit=limit + 1)
        return Page(data=found[:limit], has_more=len(found) > limit)

    async def awaiting_outcome(
        self, created_before: datetime, limit: int, *, after: str | None = None
    ) -> list[Payment]:
        previous = None if after is None else self._rows.get(after)
        later_than = None if previous is None else _newest(previous)
        return self._rows.select(
            lambda payment: (
                payment.status.is_open
                and payment.created_at < created_before
                and (later_than is None or _newest(payment) > later_than)
            ),
            order_by=_newest,
            limit=limit,
        )

    async def with_pending_refunds(self, requested_before: datetime, limit: int) -> list[Payment]:
        return self._rows.select(
            lambda payment: any(
                refund.status in (RefundStatus.PENDING, RefundStatus.REQUIRES_ACTION)
                and refund.created_at < requested_before
                for refund in payment.refunds
            ),
            order_by=_newest,
            limit=limit,
        )

    async def save(self, payment: Payment) -> None:
        self._rows.update(payment)

    async def count_by_status(self) -> dict[PaymentStatus, int]:
        return dict(Counter(payment.status for payment in self._rows.select(lambda _: True)))


class MemoryCustomerRepository:
    def __init__(self, rows: Changes[tuple[str, str], GatewayCustomer]) -> None:
        self._rows = rows

    async def gateway_customer(self, store_id: str, email: str) -> str | None:
        customer = self._rows.get((store_id, email))
        return None if customer is None else customer.customer_id

    async def add_gateway_customer(self, store_id: str, email: str, customer_id: str) -> None:
        self._rows.insert(GatewayCustomer(store_id, email, customer_id))

    async def by_gateway_customer(self, customer_id: str) -> tuple[str, str] | None:
        found = self._rows.select(lambda customer: customer.customer_id == customer_id)
        return (found[0].store_id, found[0].email) if found else None


class MemoryPaymentMethodRepository:
    def __init__(self, rows: Changes[str, SavedPaymentMethod]) -> None:
        self._rows = rows

    async def for_customer(self, store_id: str, email: str) -> list[SavedPaymentMethod]:
        """Oldest first."""
        return self._rows.select(
            lambda method: method.store_id == store_id and method.customer_email == email,
            order_by=lambda method: (method.created_at, method.id),
        )

    async def get(self, store_id: str, payment_method_id: str) -> SavedPaymentMethod | None:
        method = self._rows.get(payment_method_id)
        return method if method is not None and method.store_id == store_id else None

    async def by_gateway_id(self, payment_method_id: str) -> SavedPaymentMethod | None:
        return self._rows.get(payment_method_id)

    async def add(self, method: SavedPaymentMethod) -> None:
        self._rows.insert(method)

    async def save(self, method: SavedPaymentMethod) -> None:
        self._rows.update(method)

    async def remove(self, store_id: str, payment_method_id: str) -> None:
        if await self.get(store_id, payment_method_id) is not None:
            self._rows.delete(payment_method_id)


class MemoryEventInbox:
    def __init__(self, rows: Changes[str, InboxEvent]) -> None:
        self._rows = rows

    async def add(self, event: InboxEvent) -> bool:
        if self._rows.exists(event.event_id):
            return False
        self._rows.insert(event)
        return True

    async def claim(self, event: InboxEvent) -> None:
        self._rows.insert(event)

    async def get(self, event_id: str) -> InboxEvent | None:
        return self._rows.get(event_id)

    async def save(self, event: InboxEvent) -> None:
        self._rows.update(event)

    async def failed(self, limit: int) -> list[InboxEvent]:
        return self._rows.select(
            lambda event: event.status is InboxStatus.FAILED,
            order_by=lambda event: (event.received_at, event.event_id),
            limit=limit,
        )

    async def count_failed(self) -> int:
        return len(self._rows.select(lambda event: event.status is InboxStatus.FAILED))


class MemoryLedgerRepository:
    def __init__(self, entries: JournalChanges[LedgerEntry]) -> None:
        self._entries = entries

    async def add(self, entries: Sequence[LedgerEntry]) -> None:
        self._entries.append(entries)

    async def for_store(self, store_id: str) -> list[LedgerEntry]:
        return self._entries.select(lambda entry: entry.store_id == store_id)

    async def all(self, currency: Currency | None = None) -> list[LedgerEntry]:
        return self._entries.select(
            lambda entry: currency is None or entry.amount.currency == currency
        )


class MemoryIdempotencyRepository:
    def __init__(self, rows: Changes[tuple[str, str], IdempotencyRecord]) -> None:
        self._rows = rows

    async def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        return self._rows.get((scope, key))

    async def add(self, record: IdempotencyRecord) -> None:
        self._rows.insert(record)

    async def answer(self, scope: str, key: str, claimed_at: datetime, result: bytes) -> None:
        claim = self._rows.get((scope, key))
        if claim is None or claim.created_at != claimed_at or claim.result is not None:
            raise ConcurrentUpdate(f"the claim on idempotency key {key!r} is no longer held")
        self._rows.update(replace(claim, result=result))

    async def remove(self, scope: str, key: str, created_at: datetime) -> None:
        record = self._rows.get((scope, key))
        if record is not None and record.created_at == created_at:
            self._rows.delete((scope, key))

    async def remove_older(self, key_prefix: str, created_before: datetime) -> int:
        old = self._rows.select(
            lambda record: record.key.startswith(key_prefix) and record.created_at < created_before
        )
        for record in old:
            self._rows.delete((record.scope, record.key))
        return len(old)
