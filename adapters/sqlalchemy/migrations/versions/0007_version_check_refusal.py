"""PostgreSQL: a function that refuses a merged write whose version check found its row changed.

A merged write (``adapters.sqlalchemy.merged_writes``) is one statement of data-modifying CTEs,
and plain SQL has no way to fail a statement on a condition. Its last part calls
``storepay_version_changed()`` when a version check failed: the function raises
``serialization_failure`` (SQLSTATE 40001), which the adapter reads as ``ConcurrentUpdate``,
and the statement fails whole. SQLite needs none: its writes are checked one at a time.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09 01:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CREATE = """
CREATE OR REPLACE FUNCTION storepay_version_changed() RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'a version check found its row changed by another transaction'
        USING ERRCODE = 'serialization_failure';
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS storepay_version_changed()")
