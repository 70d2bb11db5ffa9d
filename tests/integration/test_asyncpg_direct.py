"""Statements run straight on asyncpg's connection (``adapters.sqlalchemy.asyncpg_direct``), on a
real PostgreSQL: they read and write exactly what ``execute`` would, inside the transaction
SQLAlchemy commits or rolls back, and fail as ``execute`` fails (a duplicate, a changed version,
a lost connection, which the pool then drops)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from contract.databases import migrated_postgres_database
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy import create_engine
from adapters.sqlalchemy.asyncpg_direct import Driver
from adapters.sqlalchemy.compiled import NotFixed, compiled
from adapters.sqlalchemy.postgres_transaction import PostgresTransaction
from adapters.sqlalchemy.steps import Step
from adapters.sqlalchemy.tables import UtcDateTime
from application.ports import ConcurrentUpdate, DuplicateRecord

pytestmark = pytest.mark.anyio

metadata = sa.MetaData()
notes = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("pinned", sa.Boolean, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=True),
    sa.Column("details", sa.JSON, nullable=True),
    sa.Column("written_at", UtcDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)
INSERT = notes.insert()
BY_ID = sa.select(notes).where(notes.c.id == sa.bindparam("id_"))
UPDATE = sa.update(notes).where(
    notes.c.id == sa.bindparam("key_"), notes.c.version == sa.bindparam("read_")
)
PARIS = timezone(timedelta(hours=1))


def note(note_id: str, **changes: object) -> dict[str, object]:
    return {
        "id": note_id,
        "text": "l'été à Paris",
        "amount": 9_007_199_254_740_993,  # past a double's exact integers
        "pinned": True,
        "body": b"\x00\xffbytes",
        "details": {"lines": [1, 2], "note": None},
        "written_at": datetime(2026, 12, 4, 22, 30, 15, 123456, tzinfo=PARIS),
        "version": 1,
        **changes,
    }


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def engine(anyio_backend: str) -> AsyncIterator[AsyncEngine]:
    async with migrated_postgres_database() as url:
        made = create_engine(url, pool_size=2)
        async with made.begin() as connection:
            await connection.run_sync(metadata.create_all)
        try:
            yield made
        finally:
            await made.dispose()


async def read_by_execute(engine: AsyncEngine, note_id: str) -> dict[str, object] | None:
    async with engine.connect() as connection:
        row = (await connection.execute(BY_ID, {"id_": note_id})).mappings().first()
        return None if row is None else dict(row)


async def test_a_direct_write_and_read_match_execute(engine: AsyncEngine) -> None:
    transaction = PostgresTransaction(engine)
    await transaction.write(("notes", "n1"), [Step(INSERT, note("n1"))])
    async with engine.begin() as connection:
        await connection.execute(INSERT, note("n2"))
    direct = await transaction.fetch(BY_ID, {"id_": "n2"})
    await transaction.commit()
    await transaction.close()

    by_execute = await read_by_execute(engine, "n1")
    assert by_execute is not None
    assert [dict(row) for row in direct] == [{**by_execute, "id": "n2"}]
    assert by_execute["written_at"] == datetime(2026, 12, 4, 21, 30, 15, 123456, tzinfo=UTC)
    assert by_execute["written_at"].tzinfo is UTC  # type: ignore[union-attr]
    assert by_execute["amount"] == 9_007_199_254_740_993
    assert by_execute["details"] == {"lines": [1, 2], "note": None}
    assert by_execute["body"] == b"\x00\xffbytes"


async def test_a_transaction_begun_on_the_driver_is_the_one_committed(engine: AsyncEngine) -> None:
    transaction = PostgresTransaction(engine)
    assert await transaction.fetch(BY_ID, {"id_": "n1"}) == []  # first statement: direct
    await transaction.write(("notes", "n1"), [Step(INSERT, note("n1"))])
    assert await read_by_execute(engine, "n1") is None  # not committed yet
    await transaction.commit()
    assert await read_by_execute(engine, "n1") is not None

    await transaction.write(("notes", "n2"), [Step(INSERT, note("n2"))])
    await transaction.rollback()
    await transaction.close()
    assert await read_by_execute(engine, "n2") is None


async def test_many_rows_go_in_one_step(engine: AsyncEngine) -> None:
    transaction = PostgresTransaction(engine)
    await transaction.write(None, [Step(INSERT, [note(f"n{i}", amount=i) for i in range(5)])])
    await transaction.commit()
    await transaction.close()
    async with engine.connect() as connection:
        amounts = (await connection.scalars(sa.select(notes.c.amount).order_by("id"))).all()
    assert amounts == [0, 1, 2, 3, 4]


async def test_a_version_check_that_finds_the_row_changed_refuses_the_write(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        await connection.execute(INSERT, note("n1", version=2))
    transaction = PostgresTransaction(engine)
    stale = {"text": "mine", "version": 2, "key_": "n1", "read_": 1}
    await transaction.write(("notes", "n1"), [Step(UPDATE, stale, "n1 was changed")])
    with pytest.raises(ConcurrentUpdate, match="n1 was changed"):
        await transaction.commit()  # writes given as steps are made at the latest there
    await transaction.close()
    current = await read_by_execute(engine, "n1")
    assert current is not None
    assert current["text"] == "l'été à Paris"

    transaction = PostgresTransaction(engine)
    fresh = {"text": "mine", "version": 3, "key_": "n1", "read_": 2}
    await transaction.write(("notes", "n1"), [Step(UPDATE, fresh, "n1 was changed")])
    await transaction.commit()
    await transaction.close()
    current = await read_by_execute(engine, "n1")
    assert current is not None
    assert (current["text"], current["version"]) == ("mine", 3)


async def test_a_duplicate_is_an_integrity_error_and_the_transaction_is_over(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        await connection.execute(INSERT, note("n1"))
    transaction = PostgresTransaction(engine)
    await transaction.write(("notes", "n2"), [Step(INSERT, note("n2"))])
    await transaction.write(("notes", "n1"), [Step(INSERT, note("n1"))])
    with pytest.raises(DuplicateRecord, match="duplicate key"):
        await transaction.commit()
    await transaction.close()
    assert await read_by_execute(engine, "n2") is None  # rolled back with the refused write

    async with engine.connect() as connection:
        driver = await Driver.of(connection)
        insert = compiled(engine.dialect, INSERT, tuple(note("n1")))
        with pytest.raises(IntegrityError, match="duplicate key"):
            await driver.fetch(insert, insert.values(note("n1")))


async def test_an_insert_unless_known_inserts_once(engine: AsyncEngine) -> None:
    transaction = PostgresTransaction(engine)
    assert await transaction.insert_unless_known(("notes", "n1"), notes, note("n1"))
    assert not await transaction.insert_unless_known(("notes", "n1"), notes, note("n1"))
    await transaction.commit()
    await transaction.close()
    assert await read_by_execute(engine, "n1") is not None


async def test_a_lost_connection_is_invalidated_and_the_pool_makes_another(
    engine: AsyncEngine,
) -> None:
    transaction = PostgresTransaction(engine)
    await transaction.fetch(BY_ID, {"id_": "n1"})
    async with engine.connect() as other:
        backend = await transaction.scalar(sa.select(sa.func.pg_backend_pid()))
        await other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    with pytest.raises(DBAPIError) as lost:
        await transaction.fetch(BY_ID, {"id_": "n1"})
    assert lost.value.connection_invalidated
    await transaction.close()

    transaction = PostgresTransaction(engine)
    await transaction.write(("notes", "n1"), [Step(INSERT, note("n1"))])
    await transaction.commit()
    await transaction.close()
    assert await read_by_execute(engine, "n1") is not None


async def test_a_statement_completed_at_execution_goes_through_execute(
    engine: AsyncEngine,
) -> None:
    listed = sa.select(notes.c.id).where(notes.c.id.in_(sa.bindparam("ids_", expanding=True)))
    with pytest.raises(NotFixed):
        compiled(engine.dialect, listed, ("ids_",))
    async with engine.begin() as connection:
        await connection.execute(INSERT, [note("n1"), note("n2"), note("n3")])
    transaction = PostgresTransaction(engine)
    rows = await transaction.fetch(listed.order_by(notes.c.id), {"ids_": ["n1", "n3"]})
    assert [row["id"] for row in rows] == ["n1", "n3"]
    await transaction.close()
