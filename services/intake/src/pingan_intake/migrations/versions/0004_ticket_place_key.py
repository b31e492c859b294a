"""The ticket's normalised place key (estate|building|unit)

The duplicate rules compare it (``places.key``): variants of one address (翠湖名苑7幢1单元,
翠湖名苑7号楼, 7-1-301) are one place, two buildings of one estate two places. Tickets
registered before this revision have no key; they are judged by point, grid and address text as
before, and nothing needs them to have one (the merge window is hours).

Revision ID: 3b9d0e6f2a71
Revises: 18f4c36783f5
Create Date: 2026-12-05 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3b9d0e6f2a71"
down_revision: str | Sequence[str] | None = "18f4c36783f5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("place_key", sa.String(length=120), nullable=True))


def downgrade() -> None:
    op.drop_column("tickets", "place_key")
