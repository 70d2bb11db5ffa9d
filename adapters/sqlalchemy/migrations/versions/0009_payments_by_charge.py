"""A payment is found by its charge, for Stripe's events that name the charge and no payment
intent (a refund or a dispute of an older charge).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 05:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_payments_charge_id", "payments", ["charge_id"])


def downgrade() -> None:
    op.drop_index("ix_payments_charge_id", table_name="payments")
