"""What the use cases need from the world: storage, time, identifiers and signatures.

Every repository is scoped the way the API is: what a store owns is looked up with the store's
id, so one store can never reach another's orders, payments or customers by guessing an id.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Generic, Protocol, Self, TypeAlias, TypeVar

from domain.currency import Currency
from domain.ledger import LedgerEntry
from domain.order import Order
from domain.payment import Payment, PaymentStatus
from domain.payment_method import SavedPaymentMethod
from domain.store import Store

T = TypeVar("T")
JsonValue: TypeAlias = str | int | bool | list["JsonValue"] | dict[str, "JsonValue"] | None


class DuplicateRecord(Exception):
    """A write would give a second record a key that must be unique (raised by ``add``,
    ``save`` or ``commit``); nothing of it is stored."""


class ConcurrentUpdate(Exception):
    """Another unit of work committed a change to a record this one is saving; nothing of this
    one is stored. Running the whole transaction again (see ``application.transactions``)
    reads the other's change and decides afresh."""


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    data: list[T]
    has_more: bool


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    def new_id(self, prefix: str) -> str:
        """A new opaque, unique, roughly time-ordered id starting with ``prefix``."""
        ...


class SecretGenerator(Protocol):
    def new_secret(self, prefix: str) -> str:
        """A new unguessable secret (an API key) starting with ``prefix``."""
        ...


class TokenSigner(Protocol):
    def sign(self, subject: str, expires_at: datetime) -> str:
        """A token that proves ``subject`` until ``expires_at``."""
        ...

    def verify(self, token: str, subject: str, now: datetime) -> bool:
        """Whether ``token`` was signed for ``subject`` and has not expired at ``now``."""
        ...


class TokenUses(Protocol):
    """Which single-use tokens were used, as every process of the service sees it."""

    async def use(self, token_id: str, *, now: datetime, keep_until: datetime) -> bool:
        """Record the first use of ``token_id``; ``False`` (and nothing recorded) if it was used
        before. A use is remembered at least until ``keep_until`` (the latest a token used at
        ``now`` can still verify), and may be forgotten after."""
        ...


class StoreRepository(Protocol):
    async def add(self, store: Store) -> None: ...

    async def get(self, store_id: str) -> Store | None: ...

    async def by_api_key_hash(self, api_key_hash: str) -> Store | None: ...

    async def by_account_id(self, account_id: str) -> Store | None: ...

    async def save(self, store: Store) -> None: ...


class OrderRepository(Protocol):
    async def add(self, order: Order) -> None: ...

    async def get(self, store_id: str, order_id: str) -> Order | None: ...

    async def by_reference(self, store_id: str, reference: str) -> Order | None: ...

    async def save(self, order: Order) -> None: ...


class PaymentRepository(Protocol):
    async def add(self, payment: Payment) -> None: ...

    async def get(self, store_id: str, payment_id: str) -> Payment | None: ...

    async def by_intent_id(self, payment_intent_id: str, *, lock: bool = False) -> Payment | None:
        """The payment of a gateway intent. With ``lock``, it is this unit of work's until the
        unit of work ends: another one that reads it with ``lock``, or commits a change to it,
        waits until then (and reads what this one committed), so that concurrent changes of
        one payment queue instead of failing with ``ConcurrentUpdate``. Without, it is read as
        any other record, its save checked against the version read."""
        ...

    async def by_charge_id(self, charge_id: str, *, lock: bool = False) -> Payment | None:
        """The payment whose charge succeeded as ``charge_id`` (locked as ``by_intent_id``
        locks)."""
        ...

    async def latest_for_order(self, store_id: str, order_id: str) -> Payment | None:
        """The order's newest payment, read but not locked: its callers only look at it (an order
        is kept to one open payment by its attempt count, checked when a payment is recorded)."""
        ...

    async def page(
        self,
        store_id: str,
        *,
        limit: int,
        status: PaymentStatus | None = None,
        starting_after: str | None = None,
    ) -> Page[Payment]:
        """Newest first; ``starting_after`` is the id of the last payment of the previous page."""
        ...

    async def awaiting_outcome(
        self, created_before: datetime, limit: int, *, after: str | None = None
    ) -> list[Payment]:
        """Payments whose attempt has no final outcome yet, oldest first (for reconciliation);
        ``after`` is the id of the last payment of the previous batch."""
        ...

    async def with_pending_refunds(self, requested_before: datetime, limit: int) -> list[Payment]:
        """Payments with a refund still pending since before ``requested_before``, oldest first:
        reserved but never acknowledged by the gateway, or acknowledged with no outcome yet."""
        ...

    async def save(self, payment: Payment) -> None: ...

    async def count_by_status(self) -> dict[PaymentStatus, int]:
        """How many payments of every store are in each status (statuses with none left out),
        counted by the storage in one grouped query."""
        ...


class CustomerRepository(Protocol):
    async def gateway_customer(self, store_id: str, email: str) -> str | None: ...

    async def add_gateway_customer(self, store_id: str, email: str, customer_id: str) -> None: ...

    async def by_gateway_customer(self, customer_id: str) -> tuple[str, str] | None:
        """The (store id, e-mail) a gateway customer stands for."""
        ...


class PaymentMethodRepository(Protocol):
    async def for_customer(self, store_id: str, email: str) -> list[SavedPaymentMethod]: ...

    async def get(self, store_id: str, payment_method_id: str) -> SavedPaymentMethod | None: ...

    async def by_gateway_id(self, payment_method_id: str) -> SavedPaymentMethod | None: ...

    async def add(self, method: SavedPaymentMethod) -> None: ...

    async def save(self, method: SavedPaymentMethod) -> None: ...

    async def remove(self, store_id: str, payment_method_id: str) -> None: ...


@dataclass(slots=True)
class CustomerSession:
    """Proof, for a few minutes and one payment intent, that an order's shopper is at its
    checkout (see ``application.customer_sessions``); only its token's hash is kept."""

    id: str
    store_id: str
    order_id: str
    customer_email: str
    token_hash: str
    created_at: datetime
    expires_at: datetime
    idempotency_key: str | None = None
    used_at: datetime | None = None

    def admits(self, store_id: str, order_id: str, customer_email: str, now: datetime) -> bool:
        """Whether this session proves the shopper of this order now."""
        return (
            self.used_at is None
            and now < self.expires_at
            and (self.store_id, self.order_id, self.customer_email)
            == (store_id, order_id, customer_email)
        )


class CustomerSessionRepository(Protocol):
    """Customer sessions, found by their token's hash."""

    async def add(self, session: CustomerSession) -> None: ...

    async def by_token_hash(self, token_hash: str) -> CustomerSession | None: ...

    async def by_idempotency_key(self, store_id: str, key: str) -> CustomerSession | None: ...

    async def save(self, session: CustomerSession) -> None:
        """Fails with ``ConcurrentUpdate`` (here or at the commit) when another unit of work
        saved the session since this one read it: a session is used once."""
        ...


class InboxStatus(enum.StrEnum):
    RECEIVED = "received"
    PROCESSED = "processed"
    IGNORED = "ignored"  # authentic, but of a type storepay does not act on
    FAILED = "failed"  # handling failed; reconciliation retries it


@dataclass(slots=True)
class InboxEvent:
    event_id: str
    type: str
    payload: bytes
    connect: bool
    received_at: datetime
    status: InboxStatus = InboxStatus.RECEIVED
    attempts: int = 0
    last_error: str | None = None
    processed_at: datetime | None = None

    @property
    def handled(self) -> bool:
        """Applied or deliberately ignored: a later delivery is a duplicate."""
        return self.status in (InboxStatus.PROCESSED, InboxStatus.IGNORED)


class EventInbox(Protocol):
    async def add(self, event: InboxEvent) -> bool:
        """Store a newly received event; ``False`` (and nothing stored) if its id is known."""
        ...

    async def claim(self, event: InboxEvent) -> None:
        """Store an event taken to be new without looking first: if its id is known, the unit
        of work fails with ``DuplicateRecord`` (here, or at the latest when it commits) and
        stores nothing. For the common case of a first delivery, it saves the look."""
        ...

    async def get(self, event_id: str) -> InboxEvent | None: ...

    async def save(self, event: InboxEvent) -> None: ...

    async def failed(self, limit: int) -> list[InboxEvent]:
        """Events whose handling failed, oldest first."""
        ...

    async def count_failed(self) -> int:
        """How many events are failed now (retried by reconciliation, or given up on)."""
        ...


class LedgerRepository(Protocol):
    async def add(self, entries: Sequence[LedgerEntry]) -> None: ...

    async def for_store(self, store_id: str) -> list[LedgerEntry]: ...

    async def all(self, currency: Currency | None = None) -> list[LedgerEntry]: ...


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """What a request with an ``Idempotency-Key`` produced, to replay it on a retry; while the
    request still runs, its claim on the key (no result yet)."""

    scope: str  # who sent the key: a store id, or the platform
    key: str
    fingerprint: str  # a digest of the request, to tell a retry from a reused key
    result: bytes | None  # the answer to replay, as the caller encoded it; None: still running
    created_at: datetime  # when the key was claimed


class IdempotencyRepository(Protocol):
    async def get(self, scope: str, key: str) -> IdempotencyRecord | None: ...

    async def add(self, record: IdempotencyRecord) -> None:
        """Raises :class:`DuplicateRecord` when the sender has a record under this key: of two
        concurrent claims of a key, exactly one commits."""
        ...

    async def answer(self, scope: str, key: str, claimed_at: datetime, result: bytes) -> None:
        """Keep ``result`` on the claim made at ``claimed_at``; :class:`ConcurrentUpdate` when
        that claim is no longer there (it was released, or taken over once expired)."""
        ...

    async def remove(self, scope: str, key: str, created_at: datetime) -> None:
        """Remove the record made at ``created_at``, if it is still there (a newer one under
        the same key is left alone)."""
        ...

    async def remove_older(self, key_prefix: str, created_before: datetime) -> int:
        """Remove every record whose key starts with ``key_prefix`` made before
        ``created_before``; how many were removed."""
        ...


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """A domain event as the outbox keeps it until it is relayed (``application.outbox`` writes
    them, in the transaction that recorded the event)."""

    id: str  # time-ordered, unique
    type: str  # a stable name, such as ``payment.succeeded``
    store_id: str
    occurred_at: datetime
    payload: Mapping[str, JsonValue]  # the event as a storefront reads it; money in minor units
    created_at: datetime  # when it was put in the outbox
    relayed_at: datetime | None = None


class DomainEventOutbox(Protocol):
    """Domain events committed with the change that recorded them, or not at all, and kept
    until they are relayed (to telemetry; to storefronts) and some time after."""

    async def add(self, events: Sequence[OutboxEvent]) -> None: ...

    async def unrelayed(self, limit: int) -> list[OutboxEvent]:
        """Up to ``limit`` events not relayed yet, in the order they were added (of events
        added by transactions running at once: the order in which the storage took them)."""
        ...

    async def mark_relayed(self, event_ids: Collection[str], at: datetime) -> None:
        """The events relayed ``at`` that time; one relayed before keeps its first time."""
        ...

    async def remove_relayed(self, relayed_before: datetime) -> int:
        """Remove the events relayed before ``relayed_before``; how many were removed."""
        ...


class UnitOfWork(Protocol):
    """One transaction: everything written through it is committed together or not at all."""

    stores: StoreRepository
    orders: OrderRepository
    payments: PaymentRepository
    customers: CustomerRepository
    payment_methods: PaymentMethodRepository
    customer_sessions: CustomerSessionRepository
    inbox: EventInbox
    ledger: LedgerRepository
    idempotency: IdempotencyRepository
    outbox: DomainEventOutbox

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class DeliveryOutcome(enum.StrEnum):
    """What became of one delivery of a gateway event: the webhook use case answers one of the
    first three, telemetry hears of all five."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"  # handled before: acknowledged, nothing changed
    IGNORED = "ignored"  # authentic, of a type storepay does not act on
    FAILED = "failed"  # authentic, but applying it failed: the gateway sends it again
    REJECTED = "rejected"  # forged, stale or not an event: refused, nothing stored


class Telemetry(Protocol):
    """Where the use cases report what operators watch (counted, never stored)."""

    def gateway_event(
        self, event_type: str | None, outcome: DeliveryOutcome, lag: timedelta | None
    ) -> None:
        """A delivery of a gateway event: its type (``None`` when it was not authentic: an
        unverified type is never reported), what became of it and, for an event handled now,
        how long after the gateway created it."""
        ...

    def reconciliation(self, failures: int | None) -> None:
        """A reconciliation pass ended: what it could not heal, ``None`` when the pass itself
        failed."""
        ...

    def domain_event(self, event_type: str) -> None:
        """A domain event relayed from the outbox, by its type (``payment.succeeded``...)."""
        ...


class NoTelemetry:
    """Reports nothing: for compositions that do not watch (tests, commands)."""

    def gateway_event(
        self, event_type: str | None, outcome: DeliveryOutcome, lag: timedelta | None
    ) -> None:
        return None

    def reconciliation(self, failures: int | None) -> None:
        return None

    def domain_event(self, event_type: str) -> None:
        return None
