"""What the SQL databases add to the contracts: a schema that only migrations make, that
matches the tables the adapter writes, and that protects the money on its own."""

from __future__ import annotations

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
from adapters.sqlalchemy.tables import metadata
from application.ports import DuplicateRecord

from .builders import (
    EMAIL,
    a_connected_store,
    a_payment,
    a_refunded_and_disputed_payment,
    an_entry,
    an_event,
    an_order,
    given,
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
    "inbox_events",
    "idempotency_records",
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
