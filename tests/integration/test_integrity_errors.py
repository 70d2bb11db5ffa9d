"""A write the database refuses, on SQLite and PostgreSQL, through the transaction the
repositories use: a duplicate key is the port's ``DuplicateRecord``; a CHECK or a foreign key
refused stays the database's ``IntegrityError`` (storepay broke its own rules: a fault, not a
duplicate to acknowledge). Either way the unit of work's other writes are not stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from contract.databases import NO_POSTGRES, POSTGRES_URL, postgres_database, sqlite_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy import create_engine
from adapters.sqlalchemy.steps import Step
from adapters.sqlalchemy.unit_of_work import transaction_for
from application.ports import DuplicateRecord

pytestmark = pytest.mark.anyio

metadata = sa.MetaData()
shelves = sa.Table("shelves", metadata, sa.Column("id", sa.String(40), primary_key=True))
notes = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("reference", sa.String(40), nullable=False, unique=True),
    sa.Column("shelf_id", sa.String(40), sa.ForeignKey("shelves.id"), nullable=False),
    sa.Column("amount", sa.BigInteger, sa.CheckConstraint("amount >= 0"), nullable=False),
)
INSERT = notes.insert()


def note(note_id: str, **changes: object) -> dict[str, object]:
    return {
        "id": note_id,
        "reference": f"ref-{note_id}",
        "shelf_id": "s1",
        "amount": 100,
        **changes,
    }


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        async with _engine_on(sqlite_url(tmp_path)) as made:
            yield made
        return
    if POSTGRES_URL is None:
        pytest.skip(NO_POSTGRES)
    async with postgres_database() as url, _engine_on(url) as made:
        yield made


@asynccontextmanager
async def _engine_on(url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(url, pool_size=2)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            await connection.execute(shelves.insert(), {"id": "s1"})
            await connection.execute(INSERT, note("n1"))
        yield engine
    finally:
        await engine.dispose()


async def write_and_commit(engine: AsyncEngine, *rows: dict[str, object]) -> None:
    transaction = transaction_for(engine)(engine)
    try:
        for row in rows:
            await transaction.write(("notes", row["id"]), [Step(INSERT, row)])
        await transaction.commit()
    finally:
        await transaction.close()


async def stored_ids(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        return list((await connection.scalars(sa.select(notes.c.id).order_by(notes.c.id))).all())


async def test_a_duplicate_primary_key_is_a_duplicate_record(engine: AsyncEngine) -> None:
    with pytest.raises(DuplicateRecord):
        await write_and_commit(engine, note("n2"), note("n1", reference="other"))
    assert await stored_ids(engine) == ["n1"]


async def test_a_duplicate_of_another_unique_column_is_a_duplicate_record(
    engine: AsyncEngine,
) -> None:
    with pytest.raises(DuplicateRecord):
        await write_and_commit(engine, note("n2"), note("n3", reference="ref-n1"))
    assert await stored_ids(engine) == ["n1"]


@pytest.mark.parametrize(
    "refused",
    [
        pytest.param({"amount": -1}, id="a CHECK"),
        pytest.param({"shelf_id": "nowhere"}, id="a foreign key"),
    ],
)
async def test_any_other_refusal_stays_an_integrity_error(
    engine: AsyncEngine, refused: dict[str, object]
) -> None:
    with pytest.raises(IntegrityError) as raised:
        await write_and_commit(engine, note("n2"), note("n3", **refused))
    assert not isinstance(raised.value, DuplicateRecord)
    assert await stored_ids(engine) == ["n1"]
    await write_and_commit(engine, note("n4"))  # the connection is usable again
    assert await stored_ids(engine) == ["n1", "n4"]
