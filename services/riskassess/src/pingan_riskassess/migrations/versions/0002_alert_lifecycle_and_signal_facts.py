"""alert lifecycle (one open alert per subject, history) and the signal rules' projections

Revision ID: 0002_alert_lifecycle
Revises: e2abfdcb0b5c
Create Date: 2026-12-02 04:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_alert_lifecycle"
down_revision: str | Sequence[str] | None = "e2abfdcb0b5c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    _extend_alerts()
    op.create_table(
        "alert_history",
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=True),
        sa.Column("to_state", sa.String(length=32), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_history_alert_id_alerts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_history")),
    )
    op.create_index(op.f("ix_alert_history_alert_id"), "alert_history", ["alert_id"])
    _create_contacts()
    op.create_table(
        "task_facts",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=True),
        sa.Column("category_group", sa.String(length=32), nullable=False),
        sa.Column("category_code", sa.String(length=64), nullable=True),
        sa.Column("area_code", sa.String(length=20), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_task_facts")),
    )
    op.create_index(op.f("ix_task_facts_ticket_id"), "task_facts", ["ticket_id"])
    op.create_index(op.f("ix_task_facts_alert_id"), "task_facts", ["alert_id"])
    op.create_table(
        "case_signals",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_case_signals")),
    )
    op.create_index(op.f("ix_case_signals_case_id"), "case_signals", ["case_id"])
    op.create_index(op.f("ix_case_signals_ticket_id"), "case_signals", ["ticket_id"])


def _extend_alerts() -> None:
    # One event may raise alerts on several subjects (a threat and a spike).
    op.drop_constraint("uq_alerts_source_event_id", "alerts", type_="unique")
    op.create_index(op.f("ix_alerts_source_event_id"), "alerts", ["source_event_id"])
    # Alerts of the skeleton were raised per ticket: their subject is the ticket.
    op.add_column(
        "alerts",
        sa.Column("subject_kind", sa.String(length=16), nullable=False, server_default="ticket"),
    )
    op.add_column("alerts", sa.Column("subject_ref", sa.String(length=128), nullable=True))
    op.execute("UPDATE alerts SET subject_ref = ticket_id::text")
    op.alter_column("alerts", "subject_ref", nullable=False)
    op.alter_column("alerts", "subject_kind", server_default=None)
    for name, column_type in (
        ("ack_due_at", _TS),
        ("acknowledged_at", _TS),
        ("acknowledged_by", sa.String(length=100)),
        ("escalated_area_code", sa.String(length=20)),
        ("verification_requested_at", _TS),
        ("verification_task_id", sa.Uuid()),
        ("verification_report", sa.Text()),
        ("outcome", sa.String(length=16)),
        ("notes", sa.Text()),
        ("verified_at", _TS),
        ("measures", sa.Text()),
        ("handled_at", _TS),
        ("closed_at", _TS),
        ("close_reason", sa.Text()),
    ):
        op.add_column("alerts", sa.Column(name, column_type, nullable=True))
    op.add_column(
        "alerts",
        sa.Column("escalation_count", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("alerts", sa.Column("updated_at", _TS, nullable=True))
    op.execute("UPDATE alerts SET updated_at = raised_at")
    op.alter_column("alerts", "updated_at", nullable=False)
    op.add_column("alerts", sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.alter_column("alerts", "escalation_count", server_default=None)
    op.alter_column("alerts", "version", server_default=None)
    op.create_index(
        "uq_alerts_open_subject",
        "alerts",
        ["subject_kind", "subject_ref"],
        unique=True,
        postgresql_where=sa.text("state <> 'closed'"),
    )
    op.create_index(
        "ix_alerts_awaiting_ack",
        "alerts",
        ["ack_due_at"],
        postgresql_where=sa.text("state = 'raised'"),
    )


def _create_contacts() -> None:
    op.create_table(
        "contacts",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_number", sa.String(length=32), nullable=False),
        sa.Column("phone_hash", sa.String(length=128), nullable=True),
        sa.Column("area_code", sa.String(length=20), nullable=False),
        sa.Column("township_code", sa.String(length=20), nullable=True),
        sa.Column("village_code", sa.String(length=20), nullable=True),
        sa.Column("category_group", sa.String(length=32), nullable=False),
        sa.Column("category_code", sa.String(length=64), nullable=True),
        sa.Column("place_key", sa.String(length=100), nullable=True),
        sa.Column("collective", sa.Boolean(), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=True),
        sa.Column("occurred_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_contacts")),
    )
    op.create_index(op.f("ix_contacts_ticket_id"), "contacts", ["ticket_id"])
    op.create_index("ix_contacts_phone_hash_occurred_at", "contacts", ["phone_hash", "occurred_at"])
    op.create_index("ix_contacts_place_key_occurred_at", "contacts", ["place_key", "occurred_at"])
    op.create_index(
        "ix_contacts_category_code_area",
        "contacts",
        ["category_code", "township_code", "occurred_at"],
    )


def downgrade() -> None:
    for table in ("case_signals", "task_facts", "contacts", "alert_history"):
        op.drop_table(table)
    op.drop_index("ix_alerts_awaiting_ack", table_name="alerts")
    op.drop_index("uq_alerts_open_subject", table_name="alerts")
    op.drop_index(op.f("ix_alerts_source_event_id"), table_name="alerts")
    op.create_unique_constraint("uq_alerts_source_event_id", "alerts", ["source_event_id"])
    for name in (
        "subject_kind",
        "subject_ref",
        "ack_due_at",
        "acknowledged_at",
        "acknowledged_by",
        "escalation_count",
        "escalated_area_code",
        "verification_requested_at",
        "verification_task_id",
        "verification_report",
        "outcome",
        "notes",
        "verified_at",
        "measures",
        "handled_at",
        "closed_at",
        "close_reason",
        "updated_at",
        "version",
    ):
        op.drop_column("alerts", name)
