"""key-person registry (重点人员) with visits and the audit of every read; Idempotency-Key claims

Revision ID: 0003_key_person_registry
Revises: 0002_alert_lifecycle
Create Date: 2026-12-02 04:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pingan_common.migrations import create_idempotency_table, drop_idempotency_table

revision: str = "0003_key_person_registry"
down_revision: str | Sequence[str] | None = "0002_alert_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_idempotency_table()
    op.create_table(
        "key_persons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ref", sa.String(length=24), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("name_masked", sa.String(length=60), nullable=False),
        sa.Column("phone_hash", sa.String(length=128), nullable=True),
        sa.Column("resident_id_hash", sa.String(length=128), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("area_code", sa.String(length=20), nullable=False),
        sa.Column("case_officer", sa.String(length=100), nullable=False),
        sa.Column("guardian", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("risk_rating", sa.String(length=16), nullable=False),
        sa.Column("visit_interval_days", sa.Integer(), nullable=False),
        sa.Column("last_visit_at", _TS, nullable=True),
        sa.Column("next_visit_due_at", _TS, nullable=False),
        sa.Column("lost_contact", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_persons")),
        sa.UniqueConstraint("ref", name=op.f("uq_key_persons_ref")),
    )
    for column in ("category", "phone_hash", "resident_id_hash", "area_code"):
        op.create_index(op.f(f"ix_key_persons_{column}"), "key_persons", [column])
    op.create_table(
        "key_person_visits",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("visited_at", _TS, nullable=False),
        sa.Column("visited_by", sa.String(length=100), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["key_persons.id"],
            name=op.f("fk_key_person_visits_person_id_key_persons"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_person_visits")),
    )
    op.create_index(op.f("ix_key_person_visits_person_id"), "key_person_visits", ["person_id"])
    op.create_table(
        "key_person_audit",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("roles", sa.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("person_ids", sa.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_person_audit")),
    )
    op.create_index(op.f("ix_key_person_audit_at"), "key_person_audit", ["at"])
    op.create_index(op.f("ix_key_person_audit_actor"), "key_person_audit", ["actor"])


def downgrade() -> None:
    op.drop_table("key_person_audit")
    op.drop_table("key_person_visits")
    op.drop_table("key_persons")
    drop_idempotency_table()
