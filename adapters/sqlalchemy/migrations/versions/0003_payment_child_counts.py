"""How many refunds and disputes each payment has, kept on the payment's row.

Loading a payment reads its refunds and disputes only when it has some: most payments have
none, and a webhook for one then costs two queries fewer. Existing payments get the counts from
their rows.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTED = """
UPDATE payments SET
    refund_count = (
        SELECT COUNT(*) FROM refunds
        WHERE refunds.store_id = payments.store_id AND refunds.payment_id = payments.id
    ),
    dispute_count = (
        SELECT COUNT(*) FROM disputes
        WHERE disputes.store_id = payments.store_id AND disputes.payment_id = payments.id
    )
"""


def upgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("refund_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("dispute_count", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(COUNTED)
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.alter_column("refund_count", server_default=None)
        batch_op.alter_column("dispute_count", server_default=None)
        batch_op.create_check_constraint(
            op.f("ck_payments_refund_count_not_negative"), "refund_count >= 0"
        )
        batch_op.create_check_constraint(
            op.f("ck_payments_dispute_count_not_negative"), "dispute_count >= 0"
        )


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_payments_dispute_count_not_negative"), type_="check")
        batch_op.drop_constraint(op.f("ck_payments_refund_count_not_negative"), type_="check")
        batch_op.drop_column("dispute_count")
        batch_op.drop_column("refund_count")
