"""Notify's tables.

- ``deliveries``: one row per (trigger event, recipient, channel) — the unique constraint is the
  deduplication across redeliveries and replicas. The worker sends queued SMS and webhook rows;
  in-app rows are written as sent together with their ``inbox_items`` row.
- ``inbox_items``: the in-app inbox; the monotonic id is the live stream's event id.
- ``webhook_subscriptions``: who receives which events, with the endpoint's circuit breaker.
- ``directory_*``: the local copy of dispatch's org directory (units, staff, rosters).
- ``task_contexts`` / ``citizen_tickets``: what later events do not repeat (unit names,
  deadlines, task kind; the caller's masked phone).
- ``surveys`` / ``inbound_sms``: the callback survey by SMS and every reply received.
- ``alert_watches``: red/orange alerts repeated until acknowledged.
- ``sms_budget_days``: the SMS segments sent per county day, read before every SMS.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pingan_common.db import new_metadata
from pingan_common.idempotency import idempotency_table
from pingan_common.messaging_tables import MessagingTables


class Base(DeclarativeBase):
    """Notify's own registry and MetaData; a class statement, so that mypy sees a base."""

    metadata = new_metadata()


messaging = MessagingTables.define(Base.metadata)
idempotency_records = idempotency_table(Base.metadata)

# Statuses the worker still has to act on.
PENDING_STATUSES = ("queued", "failed")


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("trigger_event_id", "recipient", "channel"),
        Index(
            "ix_deliveries_due",
            "due_at",
            postgresql_where=text("status IN ('queued', 'failed')"),
        ),
        Index("ix_deliveries_recipient_channel_sent", "recipient", "channel", "sent_at"),
        # Starts a day's SMS budget counter (sms/budget_counter.py) from the day's sent SMS,
        # once per day, without reading the whole table.
        Index(
            "ix_deliveries_sms_budget",
            "channel",
            "status",
            "sent_at",
            postgresql_include=["segments"],
        ),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient_kind: Mapped[str] = mapped_column(String(16))
    # Unit code, user id, role@area, masked phone or webhook subscription id: never a full phone.
    recipient: Mapped[str] = mapped_column(String(200), index=True)
    # Where to send: a staff work phone; a citizen's phone only until the final outcome.
    address: Mapped[str | None] = mapped_column(String(500))
    audience: Mapped[str] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    area_code: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    template_id: Mapped[str | None] = mapped_column(String(100))
    template_version: Mapped[int | None] = mapped_column(Integer)
    template_code: Mapped[str | None] = mapped_column(String(50))
    params: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    payload: Mapped[str | None] = mapped_column(Text)
    subscription_id: Mapped[UUID | None] = mapped_column(Uuid, index=True)
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)
    ticket_id: Mapped[UUID | None] = mapped_column(Uuid, index=True)
    trigger_event_id: Mapped[UUID] = mapped_column(Uuid)
    trigger_type: Mapped[str] = mapped_column(String(200))
    trigger_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # the trigger's W3C trace context, so events about the delivery stay in the caller's trace
    traceparent: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    not_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    provider_message_id: Mapped[str | None] = mapped_column(String(100), index=True)
    segments: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dead_lettered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class InboxItem(Base):
    __tablename__ = "inbox_items"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    delivery_id: Mapped[UUID] = mapped_column(Uuid, unique=True)
    recipient_kind: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(200), index=True)
    area_code: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    ticket_id: Mapped[UUID | None] = mapped_column(Uuid, index=True)
    ticket_number: Mapped[str | None] = mapped_column(String(40))
    alert_id: Mapped[UUID | None] = mapped_column(Uuid, index=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_ack: Mapped[bool] = mapped_column(Boolean, default=False)
    trigger_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_by: Mapped[str | None] = mapped_column(String(100))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(2000))
    # Needed in clear to sign; never returned by the API.
    secret: Mapped[str] = mapped_column(String(200))
    # The secret being rotated out: deliveries carry both signatures until it is retired.
    previous_secret: Mapped[str | None] = mapped_column(String(200))
    event_types: Mapped[list[str]] = mapped_column(JSONB)
    area_prefix: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seed_key: Mapped[str | None] = mapped_column(String(50), unique=True)
    breaker_state: Mapped[str] = mapped_column(String(16), default="closed")
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    breaker_opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DirectoryUnit(Base):
    __tablename__ = "directory_units"

    unit_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    parent_code: Mapped[str | None] = mapped_column(String(40))
    supervisor_code: Mapped[str | None] = mapped_column(String(40))
    area_code: Mapped[str] = mapped_column(String(20), index=True)
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    active: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DirectoryStaff(Base):
    __tablename__ = "directory_staff"

    user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    roles: Mapped[list[str]] = mapped_column(JSONB)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    area_code: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DirectoryRoster(Base):
    __tablename__ = "directory_rosters"

    unit_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    shifts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TaskContext(Base):
    __tablename__ = "task_contexts"

    task_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    ticket_id: Mapped[UUID] = mapped_column(Uuid)
    ticket_number: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    unit_code: Mapped[str | None] = mapped_column(String(40))
    unit_name: Mapped[str | None] = mapped_column(String(200))
    area_code: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CitizenTicket(Base):
    __tablename__ = "citizen_tickets"

    ticket_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    ticket_number: Mapped[str] = mapped_column(String(40))
    phone_masked: Mapped[str | None] = mapped_column(String(40))
    # The citizen as a delivery recipient (recipients/citizens.py); None before migration 0003.
    recipient_id: Mapped[str | None] = mapped_column(String(80))
    area_code: Mapped[str] = mapped_column(String(20))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Survey(Base):
    __tablename__ = "surveys"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    trigger_event_id: Mapped[UUID] = mapped_column(Uuid, unique=True)
    delivery_id: Mapped[UUID] = mapped_column(Uuid)
    ticket_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    ticket_number: Mapped[str] = mapped_column(String(40))
    task_id: Mapped[UUID] = mapped_column(Uuid)
    recipient: Mapped[str] = mapped_column(String(200))
    # Keyed hash of the number the survey went to: replies are matched on it.
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verdict: Mapped[str | None] = mapped_column(String(30))
    raw_reply: Mapped[str | None] = mapped_column(String(200))


class SmsReceipt(Base):
    """A provider's delivery report, kept so one that arrives before the send is recorded still
    applies (sms/receipts.py)."""

    __tablename__ = "sms_receipts"

    provider_message_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    delivered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class SmsBudgetDay(Base):
    """The SMS segments sent on one county day (sms/budget_counter.py)."""

    __tablename__ = "sms_budget_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    segments: Mapped[int] = mapped_column(Integer)


class InboundSms(Base):
    __tablename__ = "inbound_sms"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    phone_masked: Mapped[str] = mapped_column(String(40))
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(String(1000))
    outcome: Mapped[str] = mapped_column(String(20))
    survey_id: Mapped[UUID | None] = mapped_column(Uuid)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AlertWatch(Base):
    __tablename__ = "alert_watches"
    __table_args__ = (
        Index(
            "ix_alert_watches_due",
            "next_repeat_at",
            postgresql_where=text("acknowledged_at IS NULL AND next_repeat_at IS NOT NULL"),
        ),
    )

    alert_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    trigger_event_id: Mapped[UUID] = mapped_column(Uuid)
    correlation_id: Mapped[str] = mapped_column(String(64))
    # The AlertRaised payload, to notify again exactly as the first time.
    alert: Mapped[dict[str, Any]] = mapped_column(JSONB)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    repeats_sent: Mapped[int] = mapped_column(Integer, default=0)
    next_repeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
