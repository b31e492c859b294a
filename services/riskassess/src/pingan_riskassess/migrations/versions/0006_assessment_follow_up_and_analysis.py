"""expert pool, hearings, mitigation tracking, analysis meetings and bulletins

Revision ID: 0006_assessment_follow_up
Revises: 0005_stability_assessments
Create Date: 2026-12-02 15:09:03.986953

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0006_assessment_follow_up"
down_revision: str | Sequence[str] | None = "0005_stability_assessments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analysis_meetings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=20), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("attendees", sa.ARRAY(sa.String(length=100)), nullable=False),
        sa.Column("matters", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("decisions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_meetings")),
    )
    op.create_index(
        op.f("ix_analysis_meetings_area_code"), "analysis_meetings", ["area_code"], unique=False
    )
    op.create_index(
        op.f("ix_analysis_meetings_held_on"), "analysis_meetings", ["held_on"], unique=False
    )
    op.create_table(
        "experts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("organisation", sa.String(length=100), nullable=False),
        sa.Column("interests", sa.ARRAY(sa.String(length=100)), nullable=False),
        sa.Column("conflict_assessment_ids", sa.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experts")),
    )
    op.create_table(
        "assessment_experts",
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("expert_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scores", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_assessment_experts_assessment_id_assessments"),
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_assessment_experts_expert_id_experts")
        ),
        sa.PrimaryKeyConstraint("assessment_id", "expert_id", name=op.f("pk_assessment_experts")),
    )
    op.create_table(
        "assessment_hearings",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("in_favour", sa.Integer(), nullable=False),
        sa.Column("against", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_assessment_hearings_assessment_id_assessments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_hearings")),
    )
    op.create_index(
        op.f("ix_assessment_hearings_assessment_id"),
        "assessment_hearings",
        ["assessment_id"],
        unique=False,
    )
    op.create_table(
        "bulletins",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("area_code", sa.String(length=20), nullable=False),
        sa.Column("unit_codes", sa.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("area_codes", sa.ARRAY(sa.String(length=20)), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=True),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["analysis_meetings.id"],
            name=op.f("fk_bulletins_meeting_id_analysis_meetings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulletins")),
        sa.UniqueConstraint("number", name=op.f("uq_bulletins_number")),
    )
    op.create_index(op.f("ix_bulletins_area_code"), "bulletins", ["area_code"], unique=False)
    op.create_index(op.f("ix_bulletins_issued_at"), "bulletins", ["issued_at"], unique=False)
    op.create_table(
        "mitigation_history",
        sa.Column("mitigation_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=True),
        sa.Column("to_state", sa.String(length=32), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["mitigation_id"],
            ["mitigations.id"],
            name=op.f("fk_mitigation_history_mitigation_id_mitigations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mitigation_history")),
    )
    op.create_index(
        op.f("ix_mitigation_history_mitigation_id"),
        "mitigation_history",
        ["mitigation_id"],
        unique=False,
    )
    op.add_column(
        "assessments",
        sa.Column("parties", sa.ARRAY(sa.String(length=100)), server_default="{}", nullable=False),
    )
    op.add_column(
        "mitigations",
        sa.Column("area_code", sa.String(length=20), server_default="", nullable=False),
    )
    op.add_column(
        "mitigations",
        sa.Column("state", sa.String(length=16), server_default="planned", nullable=False),
    )
    op.add_column("mitigations", sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "mitigations", sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("mitigations", sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("mitigations", sa.Column("notes", sa.Text(), nullable=True))
    op.add_column("mitigations", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "mitigations", sa.Column("version", sa.Integer(), server_default="1", nullable=False)
    )
    # Mitigations recorded before tracking: their assessment's area, and done or planned.
    op.execute(
        "UPDATE mitigations SET area_code = a.area_code, updated_at = mitigations.created_at,"
        " state = CASE WHEN mitigations.done THEN 'done' ELSE 'planned' END"
        " FROM assessments a WHERE a.id = mitigations.assessment_id"
    )
    op.create_index(op.f("ix_mitigations_area_code"), "mitigations", ["area_code"], unique=False)
    op.create_index(
        "ix_mitigations_open_due",
        "mitigations",
        ["due_date"],
        unique=False,
        postgresql_where=sa.text("state IN ('planned', 'in_progress')"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_mitigations_open_due",
        table_name="mitigations",
        postgresql_where=sa.text("state IN ('planned', 'in_progress')"),
    )
    op.drop_index(op.f("ix_mitigations_area_code"), table_name="mitigations")
    op.drop_column("mitigations", "version")
    op.drop_column("mitigations", "updated_at")
    op.drop_column("mitigations", "notes")
    op.drop_column("mitigations", "overdue_at")
    op.drop_column("mitigations", "completed_at")
    op.drop_column("mitigations", "started_at")
    op.drop_column("mitigations", "state")
    op.drop_column("mitigations", "area_code")
    op.drop_column("assessments", "parties")
    op.drop_index(op.f("ix_mitigation_history_mitigation_id"), table_name="mitigation_history")
    op.drop_table("mitigation_history")
    op.drop_index(op.f("ix_bulletins_issued_at"), table_name="bulletins")
    op.drop_index(op.f("ix_bulletins_area_code"), table_name="bulletins")
    op.drop_table("bulletins")
    op.drop_index(op.f("ix_assessment_hearings_assessment_id"), table_name="assessment_hearings")
    op.drop_table("assessment_hearings")
    op.drop_table("assessment_experts")
    op.drop_table("experts")
    op.drop_index(op.f("ix_analysis_meetings_held_on"), table_name="analysis_meetings")
    op.drop_index(op.f("ix_analysis_meetings_area_code"), table_name="analysis_meetings")
    op.drop_table("analysis_meetings")
