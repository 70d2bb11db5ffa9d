"""Domain events are kept in an outbox, committed with the change that recorded them.

Each row is one event waiting to be relayed (``relayed_at`` NULL) or relayed; relayed rows are
purged once a week old. ``sequence`` keeps the order the events were written in; the index on
``relayed_at`` serves both the relay (those still NULL, in order) and the purge.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.types.TypeEngine[str]:
    return sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "outbox_events",
        sa.Column("sequence", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", _id(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("store_id", _id(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("relayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_outbox_events_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("sequence", name=op.f("pk_outbox_events")),
        sa.UniqueConstraint("id", name=op.f("uq_outbox_events_id")),
    )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_events_relayed_at", ["relayed_at", "sequence"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_relayed_at")
    op.drop_table("outbox_events")
