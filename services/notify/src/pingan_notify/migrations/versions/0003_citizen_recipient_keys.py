"""A citizen's recipient key on citizen_tickets: the masked phone plus part of its keyed hash

Revision ID: 0003_citizen_recipient_keys
Revises: 0002_shared_idempotency_keys
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_citizen_recipient_keys"
down_revision: str | Sequence[str] | None = "0002_shared_idempotency_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("citizen_tickets", sa.Column("recipient_id", sa.String(length=80), nullable=True))


def downgrade() -> None:
    op.drop_column("citizen_tickets", "recipient_id")
