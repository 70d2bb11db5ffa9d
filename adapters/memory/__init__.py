"""In-memory storage with real transactions: for tests, scenarios and the demo."""

from application.ports import ConcurrentUpdate, DuplicateRecord

from .database import MemoryDatabase
from .table import MissingRecord
from .unit_of_work import MemoryUnitOfWork, MemoryUnitOfWorkFactory

__all__ = [
    "ConcurrentUpdate",
    "DuplicateRecord",
    "MemoryDatabase",
    "MemoryUnitOfWork",
    "MemoryUnitOfWorkFactory",
    "MissingRecord",
]
