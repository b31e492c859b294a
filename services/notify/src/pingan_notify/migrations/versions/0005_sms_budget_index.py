"""The daily SMS budget reads the day's SMS from an index, not the whole deliveries table

Revision ID: 0005_sms_budget_index
Revises: 0004_sms_receipts
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_sms_budget_index"
down_revision: str | Sequence[str] | None = "0004_sms_receipts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_deliveries_sms_budget",
        "deliveries",
        ["channel", "status", "sent_at"],
        unique=False,
        postgresql_include=["segments"],
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_sms_budget", table_name="deliveries")
