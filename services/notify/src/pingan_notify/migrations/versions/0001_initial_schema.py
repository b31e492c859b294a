"""initial schema

Revision ID: f57dcfced1e2
Revises:
Create Date: 2026-11-23 12:56:36.622708

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from pingan_common.migrations import create_messaging_tables, drop_messaging_tables

# revision identifiers, used by Alembic.
revision: str = "f57dcfced1e2"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    create_messaging_tables()
    op.create_table(
        "alert_watches",
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("trigger_event_id", sa.Uuid(), nullable=False),
        sa.Column("correlation_id", sa.String(length=64), nullable=False),
        sa.Column("alert", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("repeats_sent", sa.Integer(), nullable=False),
        sa.Column("next_repeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_alert_watches")),
    )
    op.create_index(
        "ix_alert_watches_due",
        "alert_watches",
        ["next_repeat_at"],
        unique=False,
        postgresql_where=sa.text("acknowledged_at IS NULL AND next_repeat_at IS NOT NULL"),
    )
    op.create_table(
        "citizen_tickets",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_number", sa.String(length=40), nullable=False),
        sa.Column("phone_masked", sa.String(length=40), nullable=True),
        sa.Column("area_code", sa.String(length=20), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_citizen_tickets")),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient_kind", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("area_code", sa.String(length=20), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("template_id", sa.String(length=100), nullable=True),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("template_code", sa.String(length=50), nullable=True),
        sa.Column("params", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("subscription_id", sa.Uuid(), nullable=True),
        sa.Column("correlation_id", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=True),
        sa.Column("trigger_event_id", sa.Uuid(), nullable=False),
        sa.Column("trigger_type", sa.String(length=200), nullable=False),
        sa.Column("trigger_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("traceparent", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provider_message_id", sa.String(length=100), nullable=True),
        sa.Column("segments", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dead_lettered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint(
            "trigger_event_id", "recipient", "channel", name=op.f("uq_deliveries_trigger_event_id")
        ),
    )
    op.create_index(
        op.f("ix_deliveries_correlation_id"), "deliveries", ["correlation_id"], unique=False
    )
    op.create_index(op.f("ix_deliveries_created_at"), "deliveries", ["created_at"], unique=False)
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["due_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('queued', 'failed')"),
    )
    op.create_index(
        op.f("ix_deliveries_provider_message_id"),
        "deliveries",
        ["provider_message_id"],
        unique=False,
    )
    op.create_index(op.f("ix_deliveries_recipient"), "deliveries", ["recipient"], unique=False)
    op.create_index(
        "ix_deliveries_recipient_channel_sent",
        "deliveries",
        ["recipient", "channel", "sent_at"],
        unique=False,
    )
    op.create_index(op.f("ix_deliveries_status"), "deliveries", ["status"], unique=False)
    op.create_index(
        op.f("ix_deliveries_subscription_id"), "deliveries", ["subscription_id"], unique=False
    )
    op.create_index(op.f("ix_deliveries_ticket_id"), "deliveries", ["ticket_id"], unique=False)
    op.create_table(
        "directory_rosters",
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shifts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("unit_code", "day", name=op.f("pk_directory_rosters")),
    )
    op.create_table(
        "directory_staff",
        sa.Column("user_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("roles", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.Column("area_code", sa.String(length=20), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_directory_staff")),
    )
    op.create_index(
        op.f("ix_directory_staff_unit_code"), "directory_staff", ["unit_code"], unique=False
    )
    op.create_table(
        "directory_units",
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("parent_code", sa.String(length=40), nullable=True),
        sa.Column("supervisor_code", sa.String(length=40), nullable=True),
        sa.Column("area_code", sa.String(length=20), nullable=False),
        sa.Column("contacts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("unit_code", name=op.f("pk_directory_units")),
    )
    op.create_index(
        op.f("ix_directory_units_area_code"), "directory_units", ["area_code"], unique=False
    )
    op.create_table(
        "inbound_sms",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("phone_masked", sa.String(length=40), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("survey_id", sa.Uuid(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_sms")),
    )
    op.create_index(op.f("ix_inbound_sms_phone_hash"), "inbound_sms", ["phone_hash"], unique=False)
    op.create_table(
        "inbox_items",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_kind", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("area_code", sa.String(length=20), nullable=True),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=True),
        sa.Column("ticket_number", sa.String(length=40), nullable=True),
        sa.Column("alert_id", sa.Uuid(), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("requires_ack", sa.Boolean(), nullable=False),
        sa.Column("trigger_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_by", sa.String(length=100), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_items")),
        sa.UniqueConstraint("delivery_id", name=op.f("uq_inbox_items_delivery_id")),
    )
    op.create_index(op.f("ix_inbox_items_alert_id"), "inbox_items", ["alert_id"], unique=False)
    op.create_index(op.f("ix_inbox_items_recipient"), "inbox_items", ["recipient"], unique=False)
    op.create_index(op.f("ix_inbox_items_ticket_id"), "inbox_items", ["ticket_id"], unique=False)
    op.create_table(
        "surveys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("trigger_event_id", sa.Uuid(), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_number", sa.String(length=40), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verdict", sa.String(length=30), nullable=True),
        sa.Column("raw_reply", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("trigger_event_id", name=op.f("uq_surveys_trigger_event_id")),
    )
    op.create_index(op.f("ix_surveys_phone_hash"), "surveys", ["phone_hash"], unique=False)
    op.create_index(op.f("ix_surveys_ticket_id"), "surveys", ["ticket_id"], unique=False)
    op.create_table(
        "task_contexts",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_number", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("unit_code", sa.String(length=40), nullable=True),
        sa.Column("unit_name", sa.String(length=200), nullable=True),
        sa.Column("area_code", sa.String(length=20), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_task_contexts")),
    )
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("previous_secret", sa.String(length=200), nullable=True),
        sa.Column("event_types", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("area_prefix", sa.String(length=20), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("seed_key", sa.String(length=50), nullable=True),
        sa.Column("breaker_state", sa.String(length=16), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("breaker_opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
        sa.UniqueConstraint(
            "idempotency_key", name=op.f("uq_webhook_subscriptions_idempotency_key")
        ),
        sa.UniqueConstraint("seed_key", name=op.f("uq_webhook_subscriptions_seed_key")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("webhook_subscriptions")
    op.drop_table("task_contexts")
    op.drop_index(op.f("ix_surveys_ticket_id"), table_name="surveys")
    op.drop_index(op.f("ix_surveys_phone_hash"), table_name="surveys")
    op.drop_table("surveys")
    op.drop_index(op.f("ix_inbox_items_ticket_id"), table_name="inbox_items")
    op.drop_index(op.f("ix_inbox_items_recipient"), table_name="inbox_items")
    op.drop_index(op.f("ix_inbox_items_alert_id"), table_name="inbox_items")
    op.drop_table("inbox_items")
    op.drop_index(op.f("ix_inbound_sms_phone_hash"), table_name="inbound_sms")
    op.drop_table("inbound_sms")
    op.drop_index(op.f("ix_directory_units_area_code"), table_name="directory_units")
    op.drop_table("directory_units")
    op.drop_index(op.f("ix_directory_staff_unit_code"), table_name="directory_staff")
    op.drop_table("directory_staff")
    op.drop_table("directory_rosters")
    op.drop_index(op.f("ix_deliveries_ticket_id"), table_name="deliveries")
    op.drop_index(op.f("ix_deliveries_subscription_id"), table_name="deliveries")
    op.drop_index(op.f("ix_deliveries_status"), table_name="deliveries")
    op.drop_index("ix_deliveries_recipient_channel_sent", table_name="deliveries")
    op.drop_index(op.f("ix_deliveries_recipient"), table_name="deliveries")
    op.drop_index(op.f("ix_deliveries_provider_message_id"), table_name="deliveries")
    op.drop_index(
        "ix_deliveries_due",
        table_name="deliveries",
        postgresql_where=sa.text("status IN ('queued', 'failed')"),
    )
    op.drop_index(op.f("ix_deliveries_created_at"), table_name="deliveries")
    op.drop_index(op.f("ix_deliveries_correlation_id"), table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_table("citizen_tickets")
    op.drop_index(
        "ix_alert_watches_due",
        table_name="alert_watches",
        postgresql_where=sa.text("acknowledged_at IS NULL AND next_repeat_at IS NOT NULL"),
    )
    op.drop_table("alert_watches")
    drop_messaging_tables()
