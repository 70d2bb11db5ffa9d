"""Idempotency records claim their key before the request runs, and keep no API key.

A record without a result is the claim of a request still running: ``result`` may be NULL. An
index on ``created_at`` serves the purge of records a day old. The answers kept so far for
opening a store or rotating its key held the new API key in plain text: they keep the answer
without it now (``api_key`` null, ``api_key_withheld`` true), as new ones are kept.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 01:00:00.000000
"""

import base64
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

records = sa.table(
    "idempotency_records",
    sa.column("scope", sa.String),
    sa.column("key", sa.String),
    sa.column("result", sa.LargeBinary),
)


def upgrade() -> None:
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.alter_column("result", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_idempotency_records_created_at"), ["created_at"], unique=False
        )
    _withhold_api_keys()


def _withhold_api_keys() -> None:
    """Rewrite each kept answer of the platform's requests that holds an ``api_key``; remove
    one that cannot be read."""
    connection = op.get_bind()
    kept = connection.execute(
        sa.select(records.c.scope, records.c.key, records.c.result).where(
            records.c.scope == "platform", records.c.key.startswith("request:")
        )
    )
    for scope, key, result in kept.all():
        where = sa.and_(records.c.scope == scope, records.c.key == key)
        try:
            answer = json.loads(bytes(result))
            body = json.loads(base64.b64decode(answer["body"]))
        except (ValueError, TypeError, KeyError):
            connection.execute(sa.delete(records).where(where))
            continue
        if not isinstance(body, dict) or "api_key" not in body:
            continue
        body |= {"api_key": None, "api_key_withheld": True}
        answer["body"] = base64.b64encode(json.dumps(body).encode()).decode()
        connection.execute(
            sa.update(records).where(where).values(result=json.dumps(answer).encode())
        )


def downgrade() -> None:
    op.execute("DELETE FROM idempotency_records WHERE result IS NULL")  # claims still running
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_records_created_at"))
        batch_op.alter_column("result", existing_type=sa.LargeBinary(), nullable=False)
