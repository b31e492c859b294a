"""key persons: the visit due date the overdue-visit signal last fired for

Revision ID: 0004_key_person_overdue
Revises: 0003_key_person_registry
Create Date: 2026-12-02 04:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_key_person_overdue"
down_revision: str | Sequence[str] | None = "0003_key_person_registry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "key_persons",
        sa.Column("overdue_signalled_due_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("key_persons", "overdue_signalled_due_at")
