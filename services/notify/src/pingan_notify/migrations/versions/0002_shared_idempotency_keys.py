"""Idempotency-Keys in the shared claims table instead of a column on the subscription

A key used before this migration is carried over without the hash of its first request (it
was never stored), so a retry with such a key answers 422 rather than creating a second
subscription.

Revision ID: 0002_shared_idempotency_keys
Revises: f57dcfced1e2
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pingan_common.migrations import create_idempotency_table, drop_idempotency_table

revision: str = "0002_shared_idempotency_keys"
down_revision: str | Sequence[str] | None = "f57dcfced1e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_idempotency_table()
    op.execute(
        "INSERT INTO idempotency_records"
        " (scope, principal, key, request_hash, resource_id, created_at)"
        " SELECT 'webhook.create', created_by, idempotency_key, '', id::text, created_at"
        " FROM webhook_subscriptions WHERE idempotency_key IS NOT NULL"
    )
    op.drop_constraint(
        "uq_webhook_subscriptions_idempotency_key", "webhook_subscriptions", type_="unique"
    )
    op.drop_column("webhook_subscriptions", "idempotency_key")


def downgrade() -> None:
    op.add_column(
        "webhook_subscriptions",
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
    )
    op.create_unique_constraint(
        "uq_webhook_subscriptions_idempotency_key", "webhook_subscriptions", ["idempotency_key"]
    )
    drop_idempotency_table()
