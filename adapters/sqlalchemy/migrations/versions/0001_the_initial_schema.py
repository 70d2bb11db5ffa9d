"""The initial schema: stores and their accounts, orders, payments with their refunds and
disputes, the ledger, saved payment methods, gateway customers, the event inbox and
idempotency records.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 03:18:15.816201
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_records",
        sa.Column("scope", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=255), nullable=False),
        sa.Column("result", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_idempotency_records")),
    )
    op.create_table(
        "inbox_events",
        sa.Column(
            "event_id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("connect", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_inbox_events_attempts_not_negative")),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_inbox_events")),
    )
    with op.batch_alter_table("inbox_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbox_events_status", ["status", "received_at", "event_id"], unique=False
        )

    op.create_table(
        "stores",
        sa.Column(
            "id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("business_email", sa.String(length=320), nullable=False),
        sa.Column("business_phone", sa.String(length=30), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("api_key_hash", sa.String(length=64), nullable=False),
        sa.Column("fee_percentage", sa.String(length=16), nullable=False),
        sa.Column("fee_currency", sa.String(length=3), nullable=False),
        sa.Column("fee_fixed_amount", sa.BigInteger(), nullable=False),
        sa.Column("fee_minimum", sa.BigInteger(), nullable=False),
        sa.Column("fee_maximum", sa.BigInteger(), nullable=True),
        sa.Column("fee_rounding", sa.String(length=16), nullable=False),
        sa.Column("payout_interval", sa.String(length=16), nullable=False),
        sa.Column("payout_weekly_anchor", sa.String(length=16), nullable=True),
        sa.Column("payout_monthly_anchor", sa.SmallInteger(), nullable=True),
        sa.Column("payout_currency", sa.String(length=3), nullable=False),
        sa.Column("payout_minimum", sa.BigInteger(), nullable=False),
        sa.Column("address_line1", sa.String(length=200), nullable=True),
        sa.Column("address_city", sa.String(length=200), nullable=True),
        sa.Column("address_postal_code", sa.String(length=200), nullable=True),
        sa.Column("last_payout_id", sa.String(length=255), nullable=True),
        sa.Column("last_payout_amount", sa.BigInteger(), nullable=True),
        sa.Column("last_payout_currency", sa.String(length=3), nullable=True),
        sa.Column("last_payout_status", sa.String(length=32), nullable=True),
        sa.Column("last_payout_reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_payout_failure_code", sa.String(length=255), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "fee_fixed_amount >= 0", name=op.f("ck_stores_fee_fixed_amount_not_negative")
        ),
        sa.CheckConstraint("fee_maximum >= 0", name=op.f("ck_stores_fee_maximum_not_negative")),
        sa.CheckConstraint(
            "fee_maximum IS NULL OR fee_maximum >= fee_minimum", name=op.f("ck_stores_fee_bounds")
        ),
        sa.CheckConstraint("fee_minimum >= 0", name=op.f("ck_stores_fee_minimum_not_negative")),
        sa.CheckConstraint(
            "payout_minimum >= 0", name=op.f("ck_stores_payout_minimum_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stores")),
        sa.UniqueConstraint("api_key_hash", name=op.f("uq_stores_api_key_hash")),
    )
    op.create_table(
        "connected_accounts",
        sa.Column(
            "store_id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deauthorized_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("snapshot_observed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("charges_enabled", sa.Boolean(), nullable=True),
        sa.Column("payouts_enabled", sa.Boolean(), nullable=True),
        sa.Column("details_submitted", sa.Boolean(), nullable=True),
        sa.Column("currently_due", sa.JSON(), nullable=True),
        sa.Column("past_due", sa.JSON(), nullable=True),
        sa.Column("disabled_reason", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_connected_accounts_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_connected_accounts")),
        sa.UniqueConstraint("account_id", name=op.f("uq_connected_accounts_account_id")),
    )
    op.create_table(
        "gateway_customers",
        sa.Column(
            "store_id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_gateway_customers_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", "email", name=op.f("pk_gateway_customers")),
        sa.UniqueConstraint("customer_id", name=op.f("uq_gateway_customers_customer_id")),
    )
    op.create_table(
        "orders",
        sa.Column(
            "id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "store_id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("customer_email", sa.String(length=320), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("payment_status", sa.String(length=32), nullable=False),
        sa.Column(
            "payment_id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("payment_attempts", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_orders_amount_not_negative")),
        sa.CheckConstraint(
            "payment_attempts >= 0", name=op.f("ck_orders_payment_attempts_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_orders_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("store_id", "id", name=op.f("uq_orders_store_id_id")),
        sa.UniqueConstraint("store_id", "reference", name=op.f("uq_orders_store_id_reference")),
    )
    op.create_table(
        "payment_methods",
        sa.Column(
            "id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "store_id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("customer_email", sa.String(length=320), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("card_brand", sa.String(length=32), nullable=True),
        sa.Column("card_last4", sa.String(length=4), nullable=True),
        sa.Column("card_exp_month", sa.SmallInteger(), nullable=True),
        sa.Column("card_exp_year", sa.SmallInteger(), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_payment_methods_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_methods")),
        sa.UniqueConstraint("store_id", "id", name=op.f("uq_payment_methods_store_id_id")),
    )
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payment_methods_customer",
            ["store_id", "customer_email", "created_at", "id"],
            unique=False,
        )

    op.create_table(
        "payments",
        sa.Column(
            "id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "store_id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "order_id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("amount_total", sa.BigInteger(), nullable=False),
        sa.Column("amount_platform_fee", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payment_intent_id", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("charge_id", sa.String(length=255), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("intent_state", sa.String(length=32), nullable=True),
        sa.Column("intent_observed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("intent_charge_id", sa.String(length=255), nullable=True),
        sa.Column("intent_failure_reason", sa.String(length=255), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "amount_platform_fee <= amount_total", name=op.f("ck_payments_fee_within_total")
        ),
        sa.CheckConstraint(
            "amount_platform_fee >= 0", name=op.f("ck_payments_amount_platform_fee_not_negative")
        ),
        sa.CheckConstraint("amount_total >= 0", name=op.f("ck_payments_amount_total_not_negative")),
        sa.ForeignKeyConstraint(
            ["store_id", "order_id"],
            ["orders.store_id", "orders.id"],
            name=op.f("fk_payments_store_id_order_id_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_payments_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("payment_intent_id", name=op.f("uq_payments_payment_intent_id")),
        sa.UniqueConstraint("store_id", "id", name=op.f("uq_payments_store_id_id")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payments_status_created", ["status", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_payments_store_newest", ["store_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_payments_store_order", ["store_id", "order_id", "created_at"], unique=False
        )

    op.create_table(
        "disputes",
        sa.Column(
            "store_id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "payment_id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("platform_fee_returned", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=True),
        sa.Column("funds_withdrawn", sa.Boolean(), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_disputes_amount_not_negative")),
        sa.CheckConstraint(
            "platform_fee_returned >= 0",
            name=op.f("ck_disputes_platform_fee_returned_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id", "payment_id"],
            ["payments.store_id", "payments.id"],
            name=op.f("fk_disputes_store_id_payment_id_payments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "payment_id", "id", name=op.f("pk_disputes")),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("sequence", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "store_id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "payment_id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_ledger_entries_amount_positive")),
        sa.ForeignKeyConstraint(
            ["store_id", "payment_id"],
            ["payments.store_id", "payments.id"],
            name=op.f("fk_ledger_entries_store_id_payment_id_payments"),
        ),
        sa.PrimaryKeyConstraint("sequence", name=op.f("pk_ledger_entries")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_entries_currency", ["currency", "sequence"], unique=False)
        batch_op.create_index("ix_ledger_entries_store", ["store_id", "sequence"], unique=False)

    op.create_table(
        "refunds",
        sa.Column(
            "store_id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "payment_id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "id",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("platform_fee_refunded", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("gateway_refund_id", sa.String(length=255), nullable=True),
        sa.Column("failure_reason", sa.String(length=255), nullable=True),
        sa.Column("settled", sa.Boolean(), nullable=False),
        sa.Column("fee_share_fixed", sa.Boolean(), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_refunds_amount_not_negative")),
        sa.CheckConstraint(
            "platform_fee_refunded <= amount", name=op.f("ck_refunds_fee_share_within_amount")
        ),
        sa.CheckConstraint(
            "platform_fee_refunded >= 0", name=op.f("ck_refunds_platform_fee_refunded_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["store_id", "payment_id"],
            ["payments.store_id", "payments.id"],
            name=op.f("fk_refunds_store_id_payment_id_payments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "payment_id", "id", name=op.f("pk_refunds")),
    )
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.create_index("ix_refunds_pending", ["status", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_index("ix_refunds_pending")

    op.drop_table("refunds")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_entries_store")
        batch_op.drop_index("ix_ledger_entries_currency")

    op.drop_table("ledger_entries")
    op.drop_table("disputes")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_store_order")
        batch_op.drop_index("ix_payments_store_newest")
        batch_op.drop_index("ix_payments_status_created")

    op.drop_table("payments")
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_methods_customer")

    op.drop_table("payment_methods")
    op.drop_table("orders")
    op.drop_table("gateway_customers")
    op.drop_table("connected_accounts")
    op.drop_table("stores")
    with op.batch_alter_table("inbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_events_status")

    op.drop_table("inbox_events")
    op.drop_table("idempotency_records")
