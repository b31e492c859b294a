"""the citizen's survey answer on a case (回访 of a mediated ticket)

Revision ID: 672396533988
Revises: be7393ec9579
Create Date: 2026-12-02 15:19:30.486998

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "672396533988"
down_revision: str | Sequence[str] | None = "be7393ec9579"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("satisfaction", sa.String(length=24), nullable=True))
    op.add_column("cases", sa.Column("satisfaction_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "satisfaction_at")
    op.drop_column("cases", "satisfaction")
