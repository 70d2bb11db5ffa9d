"""A unit of work's writes merged into one statement at the commit on PostgreSQL
(``adapters.sqlalchemy.merged_writes``): what is merged and what is not, and, on a real
PostgreSQL migrated as storepay's are, that a merged commit stores exactly what one statement
at a time would, keeps the order of rows inserted together, and refuses all of it on a changed
version (SQLSTATE 40001, raised on purpose) or a duplicate."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from contract.databases import NO_POSTGRES, POSTGRES_URL, migrated_postgres_database
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy import create_engine
from adapters.sqlalchemy.merged_writes import merged
from adapters.sqlalchemy.postgres_transaction import PostgresTransaction
from adapters.sqlalchemy.refusals import SERIALIZATION_FAILURE
from adapters.sqlalchemy.steps import Step
from application.ports import ConcurrentUpdate, DuplicateRecord

pytestmark = pytest.mark.anyio

metadata = sa.MetaData()


def versioned(name: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )


notes, tags = versioned("notes"), versioned("tags")
entries = sa.Table(
    "entries",
    metadata,
    sa.Column("sequence", sa.BigInteger, primary_key=True),
    sa.Column("note_id", sa.String(40), nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
)


def update_of(table: sa.Table) -> sa.Update:
    return sa.update(table).where(
        table.c.id == sa.bindparam("key_"), table.c.version == sa.bindparam("read_")
    )


NOTE_UPDATE, TAG_UPDATE = update_of(notes), update_of(tags)
TAG_INSERT, ENTRY_INSERT = tags.insert(), entries.insert()
DIALECT = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]


def note_update(text: str, read: int) -> Step:
    values = {"text": text, "version": read + 1, "key_": "n1", "read_": read}
    return Step(NOTE_UPDATE, values, "n1 was changed", mergeable=True)


def tag_insert(tag_id: str) -> Step:
    return Step(TAG_INSERT, {"id": tag_id, "text": "new", "version": 1}, mergeable=True)


def entry_inserts(*amounts: int) -> Step:
    rows = [{"note_id": "n1", "amount": amount} for amount in amounts]
    return Step(ENTRY_INSERT, rows, mergeable=True)


def test_writes_to_tables_of_their_own_become_one_statement_that_checks_each_version() -> None:
    statement = merged(
        DIALECT,
        [
            (("notes", "n1"), [note_update("mine", 1)]),
            (("tags", "t1"), [tag_insert("t1")]),
            (None, [entry_inserts(5, 7)]),
        ],
    )
    assert statement is not None
    assert statement.sql.startswith("WITH w0 AS (UPDATE notes SET")
    assert statement.sql.endswith(
        "SELECT CASE WHEN (SELECT count(*) FROM w0) = 1 THEN 1 ELSE storepay_version_changed() END"
    )
    assert "$11" in statement.sql
    assert "$12" not in statement.sql
    assert statement.values == ["mine", 2, "n1", 1, "t1", "new", 1, "n1", 5, "n1", 7]
    assert statement.refused == ["n1 was changed"]


def test_a_single_write_is_one_statement_that_checks_its_version_too() -> None:
    statement = merged(DIALECT, [(("notes", "n1"), [note_update("mine", 1)])])
    assert statement is not None
    assert statement.sql.endswith(
        "SELECT CASE WHEN (SELECT count(*) FROM w0) = 1 THEN 1 ELSE storepay_version_changed() END"
    )


def test_inserts_alone_check_nothing() -> None:
    statement = merged(DIALECT, [(("tags", "t1"), [tag_insert("t1")])])
    assert statement is not None
    assert statement.sql.endswith(") SELECT 1")
    assert statement.refused == []


@pytest.mark.parametrize(
    "writes",
    [
        pytest.param([], id="nothing"),
        pytest.param(
            [(None, [entry_inserts(1)]), (None, [entry_inserts(2)])], id="one table twice"
        ),
        pytest.param(
            [(("notes", "n1"), [note_update("a", 1)]), (("notes", "n1"), [tag_insert("t1")])],
            id="one key twice",
        ),
        pytest.param(
            [
                (("notes", "n1"), [note_update("a", 1)]),
                (("tags", "t1"), [Step(sa.delete(tags).where(tags.c.id == "t1"))]),
            ],
            id="a step not mergeable",
        ),
    ],
)
def test_writes_that_could_meet_are_left_to_run_one_at_a_time(
    writes: list[tuple[tuple[str, str] | None, list[Step]]],
) -> None:
    assert merged(DIALECT, writes) is None


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def engine(anyio_backend: str) -> AsyncIterator[AsyncEngine]:
    if POSTGRES_URL is None:
        pytest.skip(NO_POSTGRES)
    async with migrated_postgres_database() as url:
        made = create_engine(url, pool_size=2)
        async with made.begin() as connection:
            await connection.run_sync(metadata.create_all)
            await connection.execute(notes.insert(), {"id": "n1", "text": "first", "version": 1})
        try:
            yield made
        finally:
            await made.dispose()


async def stored(engine: AsyncEngine) -> tuple[list[tuple[str, int]], list[str], list[int]]:
    async with engine.connect() as connection:
        note_rows = (await connection.execute(sa.select(notes.c.text, notes.c.version))).all()
        tag_ids = (await connection.scalars(sa.select(tags.c.id).order_by(tags.c.id))).all()
        amounts = (
            await connection.scalars(sa.select(entries.c.amount).order_by(entries.c.sequence))
        ).all()
    return [(row[0], row[1]) for row in note_rows], list(tag_ids), list(amounts)


async def commit_writes(engine: AsyncEngine, *writes: tuple[tuple[str, str] | None, Step]) -> None:
    transaction = PostgresTransaction(engine)
    try:
        for key, step in writes:
            await transaction.write(key, [step])
        await transaction.commit()
    finally:
        await transaction.close()


async def test_a_merged_commit_stores_every_write_and_keeps_rows_in_the_order_given(
    engine: AsyncEngine,
) -> None:
    await commit_writes(
        engine,
        (("notes", "n1"), note_update("mine", 1)),
        (("tags", "t1"), tag_insert("t1")),
        (None, entry_inserts(30, 10, 20)),
    )
    assert await stored(engine) == ([("mine", 2)], ["t1"], [30, 10, 20])


async def test_a_changed_version_refuses_the_whole_merged_commit(engine: AsyncEngine) -> None:
    with pytest.raises(ConcurrentUpdate, match="n1 was changed") as refused:
        await commit_writes(
            engine,
            (("tags", "t1"), tag_insert("t1")),
            (("notes", "n1"), note_update("stale", 7)),
            (None, entry_inserts(1)),
        )
    assert await stored(engine) == ([("first", 1)], [], [])
    failure = refused.value.__cause__
    assert isinstance(failure, DBAPIError)
    assert failure.orig.sqlstate == SERIALIZATION_FAILURE  # type: ignore[union-attr]


async def test_a_duplicate_refuses_the_whole_merged_commit(engine: AsyncEngine) -> None:
    await commit_writes(engine, (("tags", "t1"), tag_insert("t1")))
    with pytest.raises(DuplicateRecord, match="duplicate key"):
        await commit_writes(
            engine,
            (("notes", "n1"), note_update("mine", 1)),
            (("tags", "t1"), tag_insert("t1")),
        )
    assert await stored(engine) == ([("first", 1)], ["t1"], [])


async def test_a_read_sees_the_writes_held_back_before_it(engine: AsyncEngine) -> None:
    transaction = PostgresTransaction(engine)
    try:
        await transaction.write(("notes", "n1"), [note_update("mine", 1)])
        await transaction.write(("tags", "t1"), [tag_insert("t1")])
        text = await transaction.scalar(
            sa.select(notes.c.text).where(notes.c.id == sa.bindparam("id_")),
            {"id_": "n1"},
            key=("notes", "n1"),
        )
        assert text == "mine"
        await transaction.commit()
    finally:
        await transaction.close()
    assert await stored(engine) == ([("mine", 2)], ["t1"], [])


class SentStatements:
    """The statements asyncpg sends as plain queries on the engine's connections: ``BEGIN``,
    ``COMMIT`` and ``ROLLBACK`` among them (prepared statements are not logged)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.queries: list[str] = []
        sa.event.listen(engine.sync_engine, "checkout", self._on_checkout)

    def _on_checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        dbapi_connection._connection.add_query_logger(self._logged)

    def _logged(self, record: Any) -> None:
        self.queries.append(record.query.split()[0].upper())

    async def transaction_control(self) -> list[str]:
        await asyncio.sleep(0)  # asyncpg calls its loggers soon after, not at once
        found = [query.rstrip(";") for query in self.queries]
        return [query for query in found if query in {"BEGIN", "COMMIT", "ROLLBACK"}]


READ_NOTE = sa.select(notes.c.text, notes.c.version).where(notes.c.id == sa.bindparam("id_"))
LOCK_NOTE = READ_NOTE.with_for_update()
LOCK_NOTE_NOWAIT = READ_NOTE.with_for_update(nowait=True)
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE


async def locked_elsewhere(engine: AsyncEngine) -> bool:
    """Whether a connection of another engine finds the note ``n1`` locked."""
    other = create_engine(engine.url.render_as_string(hide_password=False))
    try:
        async with other.connect() as connection:
            try:
                await connection.execute(LOCK_NOTE_NOWAIT, {"id_": "n1"})
            except DBAPIError as refused:
                if getattr(refused.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                    raise
                return True
            return False
    finally:
        await other.dispose()


async def insert_tag_at_once(transaction: PostgresTransaction, tag_id: str) -> None:
    """A write made now, not held back (one that tells whether it inserted)."""
    row = {"id": tag_id, "text": "x", "version": 1}
    assert await transaction.insert_unless_known(("tags", tag_id), tags, row)


async def test_reads_then_merged_writes_commit_in_one_statement_without_a_transaction(
    engine: AsyncEngine,
) -> None:
    sent = SentStatements(engine)
    transaction = PostgresTransaction(engine)
    try:
        rows = await transaction.fetch(READ_NOTE, {"id_": "n1"}, key=("notes", "n1"))
        assert rows[0]["text"] == "first"
        await transaction.write(("notes", "n1"), [note_update("mine", 1)])
        await transaction.write(("tags", "t1"), [tag_insert("t1")])
        await transaction.commit()
    finally:
        await transaction.close()
    assert await sent.transaction_control() == []
    assert await stored(engine) == ([("mine", 2)], ["t1"], [])


async def test_a_write_made_at_once_begins_the_transaction_that_later_reads_and_locks_stay_in(
    engine: AsyncEngine,
) -> None:
    sent = SentStatements(engine)
    transaction = PostgresTransaction(engine)
    try:
        await insert_tag_at_once(transaction, "t2")
        await transaction.fetch(READ_NOTE, {"id_": "n1"}, key=("notes", "n1"))
        await transaction.write(("notes", "n1"), [note_update("mine", 1)])
        await transaction.commit()
    finally:
        await transaction.close()
    assert await sent.transaction_control() == ["BEGIN", "COMMIT"]
    assert await stored(engine) == ([("mine", 2)], ["t2"], [])


async def test_a_changed_version_inside_a_transaction_rolls_back_what_was_written_before(
    engine: AsyncEngine,
) -> None:
    transaction = PostgresTransaction(engine)
    try:
        await insert_tag_at_once(transaction, "t2")
        await transaction.write(("notes", "n1"), [note_update("stale", 7)])
        await transaction.write(None, [entry_inserts(1)])
        with pytest.raises(ConcurrentUpdate, match="n1 was changed"):
            await transaction.commit()
    finally:
        await transaction.close()
    assert await stored(engine) == ([("first", 1)], [], [])


@pytest.mark.parametrize("lock", [True, False])
async def test_only_a_read_that_says_it_locks_keeps_its_rows_locked_until_the_commit(
    engine: AsyncEngine, lock: bool
) -> None:
    """A read with ``lock`` begins the transaction its ``FOR UPDATE`` holds in, before any
    write; made outside one, the same statement's lock ends with it."""
    sent = SentStatements(engine)
    transaction = PostgresTransaction(engine)
    try:
        await transaction.fetch(LOCK_NOTE, {"id_": "n1"}, key=("notes", "n1"), lock=lock)
        assert await locked_elsewhere(engine) is lock
        await transaction.write(("notes", "n1"), [note_update("mine", 1)])
        await transaction.commit()
    finally:
        await transaction.close()
    assert await sent.transaction_control() == (["BEGIN", "COMMIT"] if lock else [])
    assert not await locked_elsewhere(engine)
    assert await stored(engine) == ([("mine", 2)], [], [])
