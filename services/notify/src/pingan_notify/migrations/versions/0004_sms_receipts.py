"""Delivery reports kept, so one that arrives before its send is recorded still applies

Revision ID: 0004_sms_receipts
Revises: 0003_citizen_recipient_keys
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_sms_receipts"
down_revision: str | Sequence[str] | None = "0003_citizen_recipient_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sms_receipts",
        sa.Column("provider_message_id", sa.String(length=100), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider_message_id", name=op.f("pk_sms_receipts")),
    )
    op.create_index(
        op.f("ix_sms_receipts_received_at"), "sms_receipts", ["received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sms_receipts_received_at"), table_name="sms_receipts")
    op.drop_table("sms_receipts")
