"""org directory (versioned units, staff, on-duty rosters) and versioned routing rule sets

Revision ID: 0002_directory_and_routing
Revises: dcc3034f386a
Create Date: 2026-11-23 15:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_directory_and_routing"
down_revision: str | Sequence[str] | None = "dcc3034f386a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _extend_units()
    _create_staff()
    _create_rosters()
    _create_routing_rule_sets()


def _extend_units() -> None:
    # Server defaults so units loaded before this migration become version 1, active.
    op.add_column("units", sa.Column("email", sa.String(length=120), nullable=True))
    op.add_column("units", sa.Column("supervisor_code", sa.String(length=40), nullable=True))
    op.add_column(
        "units", sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.add_column("units", sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("units", sa.Column("seed_hash", sa.String(length=64), nullable=True))
    op.add_column("units", sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_units_parent_code"), "units", ["parent_code"], unique=False)
    op.create_index(op.f("ix_units_supervisor_code"), "units", ["supervisor_code"], unique=False)


def _create_staff() -> None:
    op.create_table(
        "staff",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("roles", sa.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.Column("area_code", sa.String(length=20), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seed_hash", sa.String(length=64), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["units.code"], name=op.f("fk_staff_unit_code_units")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_staff")),
    )
    op.create_index(op.f("ix_staff_area_code"), "staff", ["area_code"], unique=False)
    op.create_index(op.f("ix_staff_unit_code"), "staff", ["unit_code"], unique=False)


def _create_rosters() -> None:
    op.create_table(
        "rosters",
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shifts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("generated", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["units.code"], name=op.f("fk_rosters_unit_code_units")
        ),
        sa.PrimaryKeyConstraint("unit_code", "day", name=op.f("pk_rosters")),
    )
    op.create_index(op.f("ix_rosters_day"), "rosters", ["day"], unique=False)


def _create_routing_rule_sets() -> None:
    op.create_table(
        "routing_rule_sets",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("base_version", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("document", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_routing_rule_sets")),
        sa.UniqueConstraint("version", name=op.f("uq_routing_rule_sets_version")),
    )
    op.create_index(
        "uq_routing_rule_sets_one_active",
        "routing_rule_sets",
        ["active"],
        unique=True,
        postgresql_where=sa.text("active"),
    )


def downgrade() -> None:
    op.drop_index("uq_routing_rule_sets_one_active", table_name="routing_rule_sets")
    op.drop_table("routing_rule_sets")
    op.drop_index(op.f("ix_rosters_day"), table_name="rosters")
    op.drop_table("rosters")
    op.drop_index(op.f("ix_staff_unit_code"), table_name="staff")
    op.drop_index(op.f("ix_staff_area_code"), table_name="staff")
    op.drop_table("staff")
    op.drop_index(op.f("ix_units_supervisor_code"), table_name="units")
    op.drop_index(op.f("ix_units_parent_code"), table_name="units")
    for column in ("changed_at", "seed_hash", "version", "active", "supervisor_code", "email"):
        op.drop_column("units", column)
