"""The daily SMS budget is a counter per county day, not a sum over the day's deliveries

Revision ID: 0006_sms_budget_days
Revises: 0005_sms_budget_index
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_sms_budget_days"
down_revision: str | Sequence[str] | None = "0005_sms_budget_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No backfill: the first read of a day starts its row from the day's deliveries.
    op.create_table(
        "sms_budget_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_sms_budget_days")),
    )


def downgrade() -> None:
    op.drop_table("sms_budget_days")
