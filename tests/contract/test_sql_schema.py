"""What the SQL databases add to the contracts: a schema that only migrations make, that
matches the tables the adapter writes, and that protects the money on its own."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy import SqlUnitOfWorkFactory, create_engine, upgrade
from adapters.sqlalchemy.migrations import downgrade
from adapters.sqlalchemy.tables import (
    OPEN_PAYMENT_STATUSES,
    idempotency_records,
    metadata,
    payments,
)
from application.ports import DuplicateRecord
from domain.payment import PaymentStatus
from domain.refund import RefundObservation, RefundStatus

from .builders import (
    EMAIL,
    T0,
    a_connected_store,
    a_payment,
    a_record,
    a_refunded_and_disputed_payment,
    an_entry,
    an_event,
    an_order,
    at,
    given,
    in_status,
    money,
    state,
)
from .databases import migrated_postgres, migrated_sqlite, postgres_database, sqlite_url

pytestmark = pytest.mark.anyio

TABLES = {
    "stores",
    "connected_accounts",
    "orders",
    "payments",
    "refunds",
    "disputes",
    "ledger_entries",
    "gateway_customers",
    "payment_methods",
    "customer_sessions",
    "inbox_events",
    "idempotency_records",
    "used_tokens",
    "outbox_events",
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest, anyio_backend: str, tmp_path: Path
) -> AsyncIterator[str]:
    """An empty database: no schema at all."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        async with postgres_database() as url:
            yield url


def table_names(connection: Connection) -> set[str]:
    return set(sa.inspect(connection).get_table_names()) - {"alembic_version"}


def drift(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def inspect(url: str, look: object) -> object:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(look)  # type: ignore[arg-type]
    finally:
        await engine.dispose()


async def test_migrations_go_to_head_back_to_base_and_up_again(database_url: str) -> None:
    await upgrade(database_url)
    at_head = await inspect(database_url, table_names)
    await downgrade(database_url)
    at_base = await inspect(database_url, table_names)
    await upgrade(database_url)
    again = await inspect(database_url, table_names)

    assert at_head == TABLES
    assert at_base == set()
    assert again == TABLES


async def test_the_migrated_schema_is_the_one_the_tables_describe(database_url: str) -> None:
    await upgrade(database_url)

    assert await inspect(database_url, drift) == []


async def test_the_books_survive_a_restart(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    await upgrade(url)
    payment = a_refunded_and_disputed_payment()
    store = a_connected_store()
    engine = create_engine(url)
    try:
        await given(SqlUnitOfWorkFactory(engine), store, an_order(), payment, an_entry())
    finally:
        await engine.dispose()

    reopened = create_engine(url)
    try:
        async with SqlUnitOfWorkFactory(reopened)() as uow:
            loaded_store = await uow.stores.get("store_a")
            loaded_payment = await uow.payments.by_intent_id("pi_1")
            entries = await uow.ledger.for_store("store_a")
    finally:
        await reopened.dispose()

    assert state(loaded_store) == state(store)
    assert state(loaded_payment) == state(payment)
    assert entries == [an_entry()]


@pytest.fixture(params=["sqlite", "postgresql"])
async def factory(
    request: pytest.FixtureRequest, anyio_backend: str, tmp_path: Path
) -> AsyncIterator[SqlUnitOfWorkFactory]:
    """Units of work on a database with the newest schema."""
    database = migrated_sqlite(tmp_path) if request.param == "sqlite" else migrated_postgres()
    async with database as factory:
        yield factory


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("orders", "amount", -1),
        ("payments", "amount_total", -1),
        ("payments", "amount_platform_fee", 10_001),  # more than the payment's total
        ("payments", "amount_refunded", -1),
        ("payments", "amount_refunded", 10_001),  # more than the payment's total
        ("refunds", "amount", -1),
        ("refunds", "platform_fee_refunded", 1_001),  # more than the refund
        ("ledger_entries", "amount", 0),
        ("payments", "order_id", "order_of_nobody"),
    ],
)
async def test_the_schema_refuses_what_the_domain_never_writes(
    factory: SqlUnitOfWorkFactory, table: str, column: str, value: object
) -> None:
    payment = a_refunded_and_disputed_payment()
    await given(factory, a_connected_store(), an_order(), payment, an_entry())
    target = metadata.tables[table]

    with pytest.raises(IntegrityError):
        async with factory.engine.begin() as connection:
            await connection.execute(sa.update(target).values({column: value}))


async def an_event_and_two_customers_for_one_shopper(factory: SqlUnitOfWorkFactory) -> None:
    async with factory() as uow:
        assert await uow.inbox.add(an_event())
        await uow.customers.add_gateway_customer("store_a", EMAIL, "cus_1")
        await uow.customers.add_gateway_customer("store_a", EMAIL, "cus_2")
        await uow.commit()


async def test_a_duplicate_found_at_commit_is_a_duplicate_record(
    factory: SqlUnitOfWorkFactory,
) -> None:
    await given(factory, a_connected_store(), an_order(), a_payment(intent_id="pi_1"))

    with pytest.raises(DuplicateRecord):
        await given(factory, an_order("order_2"), a_payment("pay_2", intent_id="pi_1"))
    with pytest.raises(DuplicateRecord):
        await an_event_and_two_customers_for_one_shopper(factory)

    async with factory() as uow:
        assert await uow.orders.get("store_a", "order_2") is None
        assert await uow.inbox.get("evt_1") is None
        assert await uow.customers.gateway_customer("store_a", EMAIL) is None


# -- one open payment per order ----------------------------------------------------------------


def test_the_open_statuses_of_the_schema_are_the_domain_s() -> None:
    assert set(OPEN_PAYMENT_STATUSES) == {
        status.value for status in PaymentStatus if status.is_open
    }


def payment_row(
    payment_id: str,
    status: PaymentStatus,
    *,
    order_id: str = "order_1",
    total: int = 10_000,
    refunded: int = 0,
) -> dict[str, object]:
    """A payments row as SQL sees it: no domain, no repository in the way."""
    return {
        "id": payment_id,
        "store_id": "store_a",
        "order_id": order_id,
        "amount_total": total,
        "amount_platform_fee": 250,
        "amount_refunded": refunded,
        "refund_count": 0,
        "dispute_count": 0,
        "currency": "EUR",
        "created_at": T0,
        "status": status.value,
        "version": 1,
    }


async def run(factory: SqlUnitOfWorkFactory, statement: sa.Executable) -> None:
    async with factory.engine.begin() as connection:
        await connection.execute(statement)


async def insert(factory: SqlUnitOfWorkFactory, row: dict[str, object]) -> None:
    await run(factory, sa.insert(payments).values(row))


async def payment_ids(factory: SqlUnitOfWorkFactory) -> list[str]:
    async with factory.engine.connect() as connection:
        return list(await connection.scalars(sa.select(payments.c.id).order_by(payments.c.id)))


async def test_the_database_refuses_a_second_open_payment_for_an_order(
    factory: SqlUnitOfWorkFactory,
) -> None:
    await given(factory, a_connected_store(), an_order("order_1"), an_order("order_2"))
    await insert(factory, payment_row("pay_1", PaymentStatus.PENDING))

    with pytest.raises(IntegrityError):
        await insert(factory, payment_row("pay_2", PaymentStatus.PROCESSING))
    await insert(factory, payment_row("pay_3", PaymentStatus.PENDING, order_id="order_2"))

    assert await payment_ids(factory) == ["pay_1", "pay_3"]


async def test_a_new_attempt_is_refused_exactly_while_the_previous_one_is_open(
    factory: SqlUnitOfWorkFactory,
) -> None:
    # A failed attempt is open: the shopper tries again on the same intent. A canceled one, or
    # one that took the money, is over.
    await given(factory, a_connected_store(), *[an_order(f"order_{s}") for s in PaymentStatus])
    refused: dict[PaymentStatus, bool] = {}
    for status in PaymentStatus:
        await insert(factory, payment_row(f"pay_{status}_1", status, order_id=f"order_{status}"))
        try:
            await insert(
                factory,
                payment_row(f"pay_{status}_2", PaymentStatus.PENDING, order_id=f"order_{status}"),
            )
        except IntegrityError:
            refused[status] = True
        else:
            refused[status] = False

    assert refused == {status: status.is_open for status in PaymentStatus}


async def test_a_canceled_attempt_makes_way_for_a_new_one_and_stays_over(
    factory: SqlUnitOfWorkFactory,
) -> None:
    await given(factory, a_connected_store(), an_order())
    await insert(factory, payment_row("pay_1", PaymentStatus.CANCELED))
    await insert(factory, payment_row("pay_2", PaymentStatus.FAILED))

    with pytest.raises(IntegrityError):  # the canceled attempt cannot be reopened beside it
        await run(
            factory,
            sa.update(payments).where(payments.c.id == "pay_1").values(status="pending"),
        )
    await run(
        factory, sa.update(payments).where(payments.c.id == "pay_2").values(status="canceled")
    )
    await insert(factory, payment_row("pay_3", PaymentStatus.PENDING))

    assert await payment_ids(factory) == ["pay_1", "pay_2", "pay_3"]


async def test_a_second_open_payment_through_the_repository_is_a_duplicate_record(
    factory: SqlUnitOfWorkFactory,
) -> None:
    await given(factory, a_connected_store(), an_order(), a_payment("pay_1", intent_id="pi_1"))

    with pytest.raises(DuplicateRecord):
        await given(factory, a_payment("pay_2", intent_id="pi_2", minute=1))
    await given(factory, in_status(a_payment("pay_3", minute=2), PaymentStatus.CANCELED))

    async with factory() as uow:
        latest = await uow.payments.latest_for_order("store_a", "order_1")
    assert latest is not None
    assert latest.id == "pay_3"
    assert await payment_ids(factory) == ["pay_1", "pay_3"]


# -- refunded never above the total ------------------------------------------------------------


async def test_the_database_refuses_a_refunded_amount_above_the_total(
    factory: SqlUnitOfWorkFactory,
) -> None:
    await given(factory, a_connected_store(), *[an_order(f"order_{n}") for n in range(3)])

    with pytest.raises(IntegrityError):
        await insert(
            factory,
            payment_row("pay_0", PaymentStatus.REFUNDED, order_id="order_0", refunded=10_001),
        )
    with pytest.raises(IntegrityError):
        await insert(
            factory, payment_row("pay_1", PaymentStatus.SUCCEEDED, order_id="order_1", refunded=-1)
        )
    await insert(
        factory, payment_row("pay_2", PaymentStatus.REFUNDED, order_id="order_2", refunded=10_000)
    )

    assert await payment_ids(factory) == ["pay_2"]


async def refunded(factory: SqlUnitOfWorkFactory, payment_id: str = "pay_1") -> int:
    async with factory.engine.connect() as connection:
        return int(
            await connection.scalar(
                sa.select(payments.c.amount_refunded).where(payments.c.id == payment_id)
            )
        )


async def test_the_stored_refunded_amount_follows_the_payment_s_refunds(
    factory: SqlUnitOfWorkFactory,
) -> None:
    await given(factory, a_connected_store(), an_order(), a_refunded_and_disputed_payment())
    stored = await refunded(factory)
    async with factory() as uow:  # the shopper's bank sends the dashboard refund back
        payment = await uow.payments.get("store_a", "pay_1")
        assert payment is not None
        payment.observe_refund(
            RefundObservation("gre_dashboard", money("5.00"), RefundStatus.FAILED, at(10))
        )
        await uow.payments.save(payment)
        await uow.commit()

    assert stored == 1_500
    assert await refunded(factory) == payment.amount_refunded.minor_units == 1_000


# -- migrating a database in use ---------------------------------------------------------------


async def test_migrating_down_and_up_keeps_the_books_and_recounts_what_was_refunded(
    database_url: str,
) -> None:
    await upgrade(database_url)
    payment = a_refunded_and_disputed_payment()
    store = a_connected_store()
    engine = create_engine(database_url)
    try:
        await given(SqlUnitOfWorkFactory(engine), store, an_order(), payment, an_entry())
    finally:
        await engine.dispose()

    await downgrade(database_url, "0001")
    await upgrade(database_url)

    reopened = create_engine(database_url)
    try:
        factory = SqlUnitOfWorkFactory(reopened)
        async with factory() as uow:
            loaded = await uow.payments.get("store_a", "pay_1")
            entries = await uow.ledger.for_store("store_a")
        assert state(loaded) == state(payment)
        assert entries == [an_entry()]
        assert await refunded(factory) == 1_500
    finally:
        await reopened.dispose()


async def test_migrating_up_counts_each_payments_refunds_and_disputes(database_url: str) -> None:
    await upgrade(database_url)
    payment = a_refunded_and_disputed_payment()
    engine = create_engine(database_url)
    try:
        await given(SqlUnitOfWorkFactory(engine), a_connected_store(), an_order(), payment)
    finally:
        await engine.dispose()

    await downgrade(database_url, "0002")
    assert "refund_count" not in await inspect(database_url, payment_columns)
    await upgrade(database_url)

    reopened = create_engine(database_url)
    try:
        async with reopened.connect() as connection:
            counts = (
                await connection.execute(
                    sa.select(payments.c.refund_count, payments.c.dispute_count)
                )
            ).one()
        async with SqlUnitOfWorkFactory(reopened)() as uow:
            loaded = await uow.payments.get("store_a", "pay_1")
    finally:
        await reopened.dispose()
    assert tuple(counts) == (len(payment.refunds), len(payment.disputes)) == (3, 2)
    assert state(loaded) == state(payment)


async def test_the_migration_stops_at_an_order_with_two_open_payments(database_url: str) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        await given(SqlUnitOfWorkFactory(engine), a_connected_store(), an_order(), a_payment())
    finally:
        await engine.dispose()
    await downgrade(database_url, "0001")
    columns = "store_id, order_id, amount_total, amount_platform_fee, currency, created_at, status"
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:  # what nothing stopped before
            await connection.execute(
                sa.text(
                    f"INSERT INTO payments (id, version, {columns}) "
                    f"SELECT 'pay_2', 1, {columns} FROM payments WHERE id = 'pay_1'"
                )
            )
    finally:
        await engine.dispose()

    with pytest.raises(RuntimeError, match="store_a/order_1"):
        await upgrade(database_url)

    assert await inspect(database_url, revision) == "0001"
    assert "amount_refunded" not in await inspect(database_url, payment_columns)


def revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def payment_columns(connection: Connection) -> set[str]:
    return {column["name"] for column in sa.inspect(connection).get_columns("payments")}


BEFORE_CLAIMS = "0005"  # the revision before idempotency records claimed their keys


def kept_answer(body: dict[str, object]) -> bytes:
    """An answer as the HTTP layer keeps it: status, media type and the body in base64."""
    encoded = base64.b64encode(json.dumps(body).encode()).decode()
    return json.dumps({"status": 201, "media_type": "application/json", "body": encoded}).encode()


async def test_migrating_up_withholds_the_api_keys_kept_in_answers(database_url: str) -> None:
    await upgrade(database_url, BEFORE_CLAIMS)
    opened = {"id": "store_1", "name": "Atelier Ana", "api_key": "spk_leaked_0123456789"}
    order = {"id": "ord_1", "reference": "A-1"}
    rows = [
        ("platform", "request:open", kept_answer(opened)),
        ("platform", "request:rotate", kept_answer({"store_id": "s", "api_key": "spk_also"})),
        ("platform", "request:unreadable", b"not json"),
        ("store_1", "request:order", kept_answer(order)),
        ("store_1", "refund:r-1", b"rf_1"),
    ]
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            for scope, key, result in rows:
                await connection.execute(
                    idempotency_records.insert().values(
                        scope=scope, key=key, fingerprint="f", result=result, created_at=T0
                    )
                )
    finally:
        await engine.dispose()

    await upgrade(database_url)

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            kept = dict(
                (
                    await connection.execute(
                        sa.select(idempotency_records.c.key, idempotency_records.c.result)
                    )
                ).all()
            )
    finally:
        await engine.dispose()
    withheld = {"api_key": None, "api_key_withheld": True}
    assert set(kept) == {"request:open", "request:rotate", "request:order", "refund:r-1"}
    assert body_of(kept["request:open"]) == opened | withheld
    assert body_of(kept["request:rotate"]) == {"store_id": "s"} | withheld
    assert kept["request:order"] == kept_answer(order)
    assert kept["refund:r-1"] == b"rf_1"
    assert b"spk_" not in b"".join(kept.values())


def body_of(answer: bytes) -> object:
    return json.loads(base64.b64decode(json.loads(answer)["body"]))


async def test_migrating_down_drops_the_claims_of_requests_still_running(
    database_url: str,
) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        await given(
            SqlUnitOfWorkFactory(engine),
            a_record(key="request:running", result=None),
            a_record(key="request:done", result=b"{}"),
        )
    finally:
        await engine.dispose()

    await downgrade(database_url, BEFORE_CLAIMS)

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            keys = (await connection.execute(sa.select(idempotency_records.c.key))).scalars()
            assert list(keys) == ["request:done"]
    finally:
        await engine.dispose()
