"""Storage in SQL databases: SQLite (embedded) and PostgreSQL, schemas made by Alembic."""

from application.ports import ConcurrentUpdate, DuplicateRecord

from .engine import create_engine
from .migrations import upgrade
from .token_uses import SqlTokenUses
from .transaction import MissingRecord
from .unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory

__all__ = [
    "ConcurrentUpdate",
    "DuplicateRecord",
    "MissingRecord",
    "SqlTokenUses",
    "SqlUnitOfWork",
    "SqlUnitOfWorkFactory",
    "create_engine",
    "upgrade",
]
