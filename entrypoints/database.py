"""The schema of the configured database, as the command line reports and checks it."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import pool
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError

from adapters.sqlalchemy import create_engine, upgrade
from adapters.sqlalchemy.migrations import alembic_config
from entrypoints.errors import CommandFailed


class DatabaseUnavailable(CommandFailed):
    """The database could not be reached or migrated; the message is one line for people."""


@dataclass(frozen=True, slots=True)
class Migration:
    database: str  # the URL, password hidden
    before: str | None
    after: str | None

    @property
    def revision(self) -> str:
        return describe_revision(self.after)

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def describe(self) -> str:
        if not self.changed:
            return f"{self.database} is already at the newest schema: {self.revision}"
        return f"migrated {self.database} from {describe_revision(self.before)} to {self.revision}"


def shown(database_url: str) -> str:
    """The URL as it may be printed: never with its password."""
    return make_url(database_url).render_as_string(hide_password=True)


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def newest_revision() -> str | None:
    return _scripts().get_current_head()


def describe_revision(revision: str | None) -> str:
    """``0001 (the initial schema)``; an empty database has no revision."""
    if revision is None:
        return "an empty database"
    script = _scripts().get_revision(revision)
    first_paragraph = " ".join((script.doc if script is not None else "").split("\n\n")[0].split())
    title = re.split(r"[:.](?:\s|$)", first_paragraph)[0].strip()
    return f"revision {revision} ({title[:1].lower()}{title[1:]})" if title else revision


async def current_revision(database_url: str) -> str | None:
    engine = create_engine(database_url, poolclass=pool.NullPool)

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    _check_folder(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(read)
    except (SQLAlchemyError, OSError) as error:
        await _let_the_driver_stop()
        raise DatabaseUnavailable(
            f"cannot read the database at {shown(database_url)}: {_first_line(error)}"
        ) from error
    finally:
        await engine.dispose()


async def migrate(database_url: str) -> Migration:
    """Bring the database up to the newest schema and say what that took."""
    before = await current_revision(database_url)
    try:
        await upgrade(database_url)
    except (SQLAlchemyError, OSError) as error:
        await _let_the_driver_stop()
        raise DatabaseUnavailable(
            f"cannot migrate the database at {shown(database_url)}: {_first_line(error)}"
        ) from error
    return Migration(shown(database_url), before, await current_revision(database_url))


async def require_newest_schema(database_url: str) -> None:
    """Refuse to work on a database the migrations have not brought up to date."""
    path = _sqlite_path(database_url)
    if path is not None and not path.exists():
        raise DatabaseUnavailable(
            f"there is no database at {shown(database_url)}: run `storepay db upgrade` first"
        )
    current, newest = await current_revision(database_url), newest_revision()
    if current != newest:
        where = (
            "has no storepay schema yet"
            if current is None
            else f"is at {describe_revision(current)}, not the newest schema ({newest})"
        )
        raise DatabaseUnavailable(
            f"the database at {shown(database_url)} {where}: run `storepay db upgrade` first"
        )


def _sqlite_path(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(str(url.database))


def _check_folder(database_url: str) -> None:
    path = _sqlite_path(database_url)
    if path is not None and not path.parent.is_dir():
        raise DatabaseUnavailable(
            f"cannot open the database at {shown(database_url)}: there is no folder {path.parent}"
        )


async def _let_the_driver_stop() -> None:
    """aiosqlite stops its thread after a failed connection without waiting for it; give it a
    moment, or it reports to an event loop ``asyncio.run`` has already closed."""
    await asyncio.sleep(0.05)


def _first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    text = str(original).strip() or type(original).__name__
    return text.splitlines()[0]
