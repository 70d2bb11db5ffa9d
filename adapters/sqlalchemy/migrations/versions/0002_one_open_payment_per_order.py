"""At most one open payment per order, and a payment's refunded amount within its total.

A payment is open while its intent is still in use (pending, requiring action, processing, or
failed and awaiting another try on the same intent); a canceled or paid one is not. The refunded
amount is what succeeded refunds gave back; existing payments get it from their refunds.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 04:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status IN ('pending', 'requires_action', 'processing', 'failed')"

REFUNDED = """
UPDATE payments SET amount_refunded = (
    SELECT COALESCE(SUM(refunds.amount), 0) FROM refunds
    WHERE refunds.store_id = payments.store_id
      AND refunds.payment_id = payments.id
      AND refunds.status = 'succeeded'
)
"""

ORDERS_WITH_TWO_OPEN = f"""
SELECT store_id, order_id FROM payments WHERE {OPEN}
GROUP BY store_id, order_id HAVING COUNT(*) > 1
ORDER BY store_id, order_id
"""


def upgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("amount_refunded", sa.BigInteger(), nullable=False, server_default="0")
        )
    op.execute(REFUNDED)
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.alter_column("amount_refunded", server_default=None)
        batch_op.create_check_constraint(
            op.f("ck_payments_refunded_within_total"),
            "amount_refunded >= 0 AND amount_refunded <= amount_total",
        )

    if not context.is_offline_mode():
        _refuse_orders_with_two_open_payments()
    op.create_index(
        "ix_payments_one_open_per_order",
        "payments",
        ["store_id", "order_id"],
        unique=True,
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_payments_one_open_per_order",
        table_name="payments",
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_payments_refunded_within_total"), type_="check")
        batch_op.drop_column("amount_refunded")


def _refuse_orders_with_two_open_payments() -> None:
    # Which of two open payments is the real one is for a person to decide (with the gateway's
    # view of both intents), not for a migration.
    found = op.get_bind().execute(sa.text(ORDERS_WITH_TWO_OPEN)).all()
    if found:
        orders = ", ".join(f"{store_id}/{order_id}" for store_id, order_id in found)
        raise RuntimeError(
            f"orders with more than one open payment: {orders}; cancel all but one of each "
            "and migrate again"
        )
