"""The schema: one table per aggregate root, child tables for what an aggregate holds many of.

Every table a store owns carries ``store_id`` and its unique keys include it, so the schema can
be distributed by store without a redesign. Money is a whole number of minor units next to a
three-letter currency code; no floating point anywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes in, timezone-aware UTC datetimes out, on every database.

    SQLite has no timezone type: it keeps naive UTC text, which still sorts in time order.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{value!r} has no timezone; storepay keeps aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _id() -> sa.types.TypeEngine[str]:
    # Ids break ties in ordered listings; byte order ("C") sorts them the same everywhere.
    return sa.String(255).with_variant(sa.String(255, collation="C"), "postgresql")


def _money(name: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger, nullable=nullable)


def _currency(name: str = "currency") -> sa.Column[str]:
    return sa.Column(name, sa.String(3), nullable=False)


def _version() -> sa.Column[int]:
    return sa.Column("version", sa.Integer, nullable=False)


# The statuses in which a payment's intent is still in use: the checkout hands that payment out
# again rather than start another (``PaymentStatus.is_open``: a failed attempt is retried on the
# same intent; a canceled one is over). Written out, as in the migrations, and checked against
# the domain by the contract tests.
OPEN_PAYMENT_STATUSES = ("pending", "requires_action", "processing", "failed")


def open_payment_clause() -> sa.TextClause:
    """The condition of a payment still open, as SQL both databases understand."""
    quoted = ", ".join(f"'{status}'" for status in OPEN_PAYMENT_STATUSES)
    return sa.text(f"status IN ({quoted})")


def _not_negative(*columns: str) -> list[sa.CheckConstraint]:
    return [
        sa.CheckConstraint(f"{column} >= 0", name=f"{column}_not_negative") for column in columns
    ]


stores = sa.Table(
    "stores",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("business_email", sa.String(320), nullable=False),
    sa.Column("business_phone", sa.String(30)),
    sa.Column("country", sa.String(2), nullable=False),
    _currency(),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("api_key_hash", sa.String(64), nullable=False, unique=True),
    # fee policy
    sa.Column("fee_percentage", sa.String(16), nullable=False),  # a decimal, as text
    _currency("fee_currency"),
    _money("fee_fixed_amount"),
    _money("fee_minimum"),
    _money("fee_maximum", nullable=True),
    sa.Column("fee_rounding", sa.String(16), nullable=False),
    # payout settings
    sa.Column("payout_interval", sa.String(16), nullable=False),
    sa.Column("payout_weekly_anchor", sa.String(16)),
    sa.Column("payout_monthly_anchor", sa.SmallInteger),
    _currency("payout_currency"),
    _money("payout_minimum"),
    # postal address
    sa.Column("address_line1", sa.String(200)),
    sa.Column("address_city", sa.String(200)),
    sa.Column("address_postal_code", sa.String(200)),
    # the latest payout report
    sa.Column("last_payout_id", sa.String(255)),
    _money("last_payout_amount", nullable=True),
    sa.Column("last_payout_currency", sa.String(3)),
    sa.Column("last_payout_status", sa.String(32)),
    sa.Column("last_payout_reported_at", UtcDateTime),
    sa.Column("last_payout_failure_code", sa.String(255)),
    _version(),
    *_not_negative("fee_fixed_amount", "fee_minimum", "fee_maximum", "payout_minimum"),
    sa.CheckConstraint("fee_maximum IS NULL OR fee_maximum >= fee_minimum", name="fee_bounds"),
)

connected_accounts = sa.Table(
    "connected_accounts",
    metadata,
    sa.Column("store_id", _id(), sa.ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("account_id", sa.String(255), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("deauthorized_at", UtcDateTime),
    # the latest snapshot the gateway reported; no snapshot when observed_at is null
    sa.Column("snapshot_observed_at", UtcDateTime),
    sa.Column("charges_enabled", sa.Boolean),
    sa.Column("payouts_enabled", sa.Boolean),
    sa.Column("details_submitted", sa.Boolean),
    sa.Column("currently_due", sa.JSON),
    sa.Column("past_due", sa.JSON),
    sa.Column("disabled_reason", sa.String(255)),
)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column("store_id", _id(), sa.ForeignKey("stores.id"), nullable=False),
    sa.Column("reference", sa.String(100), nullable=False),
    sa.Column("customer_email", sa.String(320), nullable=False),
    _money("amount"),
    _currency(),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("payment_status", sa.String(32), nullable=False),
    sa.Column("payment_id", _id()),
    sa.Column("payment_attempts", sa.Integer, nullable=False),
    _version(),
    sa.UniqueConstraint("store_id", "reference"),
    sa.UniqueConstraint("store_id", "id"),
    *_not_negative("amount", "payment_attempts"),
)

payments = sa.Table(
    "payments",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column("store_id", _id(), sa.ForeignKey("stores.id"), nullable=False),
    sa.Column("order_id", _id(), nullable=False),
    _money("amount_total"),
    _money("amount_platform_fee"),
    # Kept by the mapping: what succeeded refunds gave back, so the database bounds it too.
    _money("amount_refunded"),
    # Kept by the mapping too: how many refunds and disputes the payment has, so that loading
    # one reads its refunds and disputes only when there are any.
    sa.Column("refund_count", sa.Integer, nullable=False),
    sa.Column("dispute_count", sa.Integer, nullable=False),
    _currency(),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("payment_intent_id", sa.String(255), unique=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("charge_id", sa.String(255)),
    sa.Column("paid_at", UtcDateTime),
    # the gateway's latest report of the attempt; none when intent_state is null
    sa.Column("intent_state", sa.String(32)),
    sa.Column("intent_observed_at", UtcDateTime),
    sa.Column("intent_charge_id", sa.String(255)),
    sa.Column("intent_failure_reason", sa.String(255)),
    _version(),
    sa.UniqueConstraint("store_id", "id"),
    sa.ForeignKeyConstraint(["store_id", "order_id"], ["orders.store_id", "orders.id"]),
    *_not_negative("amount_total", "amount_platform_fee", "refund_count", "dispute_count"),
    sa.CheckConstraint("amount_platform_fee <= amount_total", name="fee_within_total"),
    sa.CheckConstraint(
        "amount_refunded >= 0 AND amount_refunded <= amount_total", name="refunded_within_total"
    ),
    # At most one open payment per order: two concurrent checkouts cannot both start one.
    sa.Index(
        "ix_payments_one_open_per_order",
        "store_id",
        "order_id",
        unique=True,
        postgresql_where=open_payment_clause(),
        sqlite_where=open_payment_clause(),
    ),
    # Newest-first pages scan this index backwards (both databases do), so it stays ascending.
    sa.Index("ix_payments_store_newest", "store_id", "created_at", "id"),
    sa.Index("ix_payments_store_order", "store_id", "order_id", "created_at"),
    sa.Index("ix_payments_status_created", "status", "created_at", "id"),
    # An event that names a charge and no payment intent finds its payment by the charge.
    sa.Index("ix_payments_charge_id", "charge_id"),
)

refunds = sa.Table(
    "refunds",
    metadata,
    sa.Column("store_id", _id(), primary_key=True),
    sa.Column("payment_id", _id(), primary_key=True),
    sa.Column("id", _id(), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),  # its place in the payment's list
    _money("amount"),
    _money("platform_fee_refunded"),
    _currency(),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("reason", sa.String(32)),
    sa.Column("gateway_refund_id", sa.String(255)),
    sa.Column("failure_reason", sa.String(255)),
    sa.Column("settled", sa.Boolean, nullable=False),
    sa.Column("fee_share_fixed", sa.Boolean, nullable=False),
    sa.ForeignKeyConstraint(
        ["store_id", "payment_id"], ["payments.store_id", "payments.id"], ondelete="CASCADE"
    ),
    *_not_negative("amount", "platform_fee_refunded"),
    sa.CheckConstraint("platform_fee_refunded <= amount", name="fee_share_within_amount"),
    sa.Index("ix_refunds_pending", "status", "created_at"),
)

disputes = sa.Table(
    "disputes",
    metadata,
    sa.Column("store_id", _id(), primary_key=True),
    sa.Column("payment_id", _id(), primary_key=True),
    sa.Column("id", _id(), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    _money("amount"),
    _money("platform_fee_returned"),
    _currency(),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("opened_at", UtcDateTime, nullable=False),
    sa.Column("reason", sa.String(255)),
    sa.Column("funds_withdrawn", sa.Boolean, nullable=False),
    sa.ForeignKeyConstraint(
        ["store_id", "payment_id"], ["payments.store_id", "payments.id"], ondelete="CASCADE"
    ),
    *_not_negative("amount", "platform_fee_returned"),
)

ledger_entries = sa.Table(
    "ledger_entries",
    metadata,
    # Append-only; the sequence keeps the order entries were written in.
    sa.Column("sequence", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("store_id", _id(), nullable=False),
    sa.Column("payment_id", _id(), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    _money("amount"),
    _currency(),
    sa.Column("reference", sa.String(255), nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(["store_id", "payment_id"], ["payments.store_id", "payments.id"]),
    sa.CheckConstraint("amount > 0", name="amount_positive"),
    sa.Index("ix_ledger_entries_store", "store_id", "sequence"),
    sa.Index("ix_ledger_entries_currency", "currency", "sequence"),
)

gateway_customers = sa.Table(
    "gateway_customers",
    metadata,
    sa.Column("store_id", _id(), sa.ForeignKey("stores.id"), primary_key=True),
    sa.Column("email", sa.String(320), primary_key=True),
    sa.Column("customer_id", sa.String(255), nullable=False, unique=True),
)

payment_methods = sa.Table(
    "payment_methods",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column("store_id", _id(), sa.ForeignKey("stores.id"), nullable=False),
    sa.Column("customer_email", sa.String(320), nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("card_brand", sa.String(32)),
    sa.Column("card_last4", sa.String(4)),
    sa.Column("card_exp_month", sa.SmallInteger),
    sa.Column("card_exp_year", sa.SmallInteger),
    sa.Column("is_default", sa.Boolean, nullable=False),
    _version(),
    sa.UniqueConstraint("store_id", "id"),
    sa.Index("ix_payment_methods_customer", "store_id", "customer_email", "created_at", "id"),
)

inbox_events = sa.Table(
    "inbox_events",
    metadata,
    sa.Column("event_id", _id(), primary_key=True),
    sa.Column("type", sa.String(255), nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),
    sa.Column("connect", sa.Boolean, nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("processed_at", UtcDateTime),
    _version(),
    *_not_negative("attempts"),
    sa.Index("ix_inbox_events_status", "status", "received_at", "event_id"),
)

idempotency_records = sa.Table(
    "idempotency_records",
    metadata,
    sa.Column("scope", sa.String(255), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(255), nullable=False),
    sa.Column("result", sa.LargeBinary),  # NULL while the request that claimed the key runs
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_idempotency_records_created_at", "created_at"),  # purging old records
)
customer_sessions = sa.Table(
    "customer_sessions",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column("store_id", _id(), sa.ForeignKey("stores.id"), nullable=False),
    sa.Column("order_id", _id(), nullable=False),
    sa.Column("customer_email", sa.String(320), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("idempotency_key", sa.String(255)),
    sa.Column("used_at", UtcDateTime),
    _version(),
    sa.ForeignKeyConstraint(["store_id", "order_id"], ["orders.store_id", "orders.id"]),
    sa.UniqueConstraint("store_id", "idempotency_key"),
)

# One row per single-use token (an onboarding link's) already used; kept until it could no
# longer verify anyway.
used_tokens = sa.Table(
    "used_tokens",
    metadata,
    sa.Column("token_id", sa.String(255), primary_key=True),
    sa.Column("used_at", UtcDateTime, nullable=False),
    sa.Column("keep_until", UtcDateTime, nullable=False, index=True),
)

# Domain events committed with the change that recorded them, until relayed and a week after.
outbox_events = sa.Table(
    "outbox_events",
    metadata,
    # The sequence keeps the order events were written in (ids are ordered by the millisecond).
    sa.Column("sequence", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("id", _id(), nullable=False, unique=True),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("store_id", _id(), sa.ForeignKey("stores.id"), nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("relayed_at", UtcDateTime),
    # Those to relay, in order (relayed_at IS NULL); those relayed long ago, to purge.
    sa.Index("ix_outbox_events_relayed_at", "relayed_at", "sequence"),
)
