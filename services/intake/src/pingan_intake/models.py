"""Intake's tables: tickets, their timeline and tasks, numbering, the Idempotency-Key claims of
ticket creates and actions, API clients, classification overrides and the personal-data audit."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Sequence,
    String,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pingan_common.db import new_metadata
from pingan_common.idempotency import idempotency_table
from pingan_common.messaging_tables import MessagingTables


class Base(DeclarativeBase):
    """Intake's own registry and MetaData; a class statement, so that mypy sees a base."""

    metadata = new_metadata()


messaging = MessagingTables.define(Base.metadata)
# Idempotency-Key claims (pingan_common.idempotency): scope ticket.create for POST /v1/tickets
# and Open311 requests, ticket.action for merge, split, retract, supplement and answer.
idempotency_records = idempotency_table(Base.metadata)
ticket_number_sequence = Sequence(
    "ticket_number_seq", metadata=Base.metadata, minvalue=1, maxvalue=999_999, cycle=True
)


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    ticket_number: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    description: Mapped[str] = mapped_column(Text)
    caller_name: Mapped[str | None] = mapped_column(String(100))
    caller_phone: Mapped[str | None] = mapped_column(String(32), index=True)
    caller_id_number: Mapped[str | None] = mapped_column(String(18))
    address: Mapped[str | None] = mapped_column(String(300))
    # The address's normalised place key, estate|building|unit (migration 0004; places/key.py).
    place_key: Mapped[str | None] = mapped_column(String(120))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    grid_code: Mapped[str | None] = mapped_column(String(20), index=True)
    village_code: Mapped[str | None] = mapped_column(String(20))
    township_code: Mapped[str | None] = mapped_column(String(20), index=True)
    area_code: Mapped[str] = mapped_column(String(20), index=True)
    location_resolved: Mapped[bool] = mapped_column(Boolean)
    category_group: Mapped[str] = mapped_column(String(32), index=True)
    category_code: Mapped[str | None] = mapped_column(String(64), index=True)
    category_label: Mapped[str] = mapped_column(String(100))
    urgency: Mapped[str] = mapped_column(String(16))
    disposition: Mapped[str] = mapped_column(String(32))
    dispositions: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    risk_level: Mapped[str | None] = mapped_column(String(16))
    external_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    # When the referring system (110) received the matter.
    external_received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attachments: Mapped[list[dict]] = mapped_column(JSONB, default=list)
    classifier_confidence: Mapped[float | None] = mapped_column(Float)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    registered_by: Mapped[str] = mapped_column(String(100), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(String(32))
    # 并单 and 重复来电 (migration 0002; logic in duplicates/)
    master_ticket_id: Mapped[UUID | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    caller_count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    repeat_of_ticket_id: Mapped[UUID | None] = mapped_column(ForeignKey("tickets.id"))
    repeat_count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    repeat_flag: Mapped[str | None] = mapped_column(String(16))


class TimelineEntry(Base):
    __tablename__ = "ticket_timeline"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    ticket_id: Mapped[UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    step: Mapped[str] = mapped_column(String(40))
    service: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    source_event_id: Mapped[UUID | None] = mapped_column(Uuid, unique=True)
    details: Mapped[dict] = mapped_column(JSONB, default=dict)


class ApiClient(Base):
    __tablename__ = "api_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    channels: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    area_codes: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    # What else the client may do besides submitting, e.g. "caller_contact" (notify service).
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PersonalDataRead(Base):
    """Audit trail: who saw a caller's clear personal data, when, where and why.

    ``ticket_id`` is null for a search by phone number, which reads no one ticket in particular.
    """

    __tablename__ = "personal_data_reads"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    ticket_id: Mapped[UUID | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    reader: Mapped[str] = mapped_column(String(100))
    fields: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    reason: Mapped[str] = mapped_column(String(200))
    access: Mapped[str] = mapped_column(String(32))
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class TicketTask(Base):
    """Dispatch's tasks for a ticket as intake learns of them: the ticket closes with the last."""

    __tablename__ = "ticket_tasks"

    task_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    ticket_id: Mapped[UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str | None] = mapped_column(String(40))
    result: Mapped[str | None] = mapped_column(Text)
    handled_by: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)
    verdict: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClassificationOverride(Base):
    """An operator's correction of the classifier, kept as training data."""

    __tablename__ = "classification_overrides"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    ticket_id: Mapped[UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(32))
    previous: Mapped[dict] = mapped_column(JSONB)
    current: Mapped[dict] = mapped_column(JSONB)
    reason: Mapped[str] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(100))
    taxonomy_version: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


# --- merges, repeat calls, amendments (migration 0002) ---

# The duplicate gate's two lookups, both bounded by time: a matter at a place, a caller's calls.
Index(
    "ix_tickets_duplicate_lookup",
    Ticket.category_code,
    Ticket.township_code,
    Ticket.registered_at,
)
Index("ix_tickets_caller_phone_registered_at", Ticket.caller_phone, Ticket.registered_at)


class TicketMerge(Base):
    """One caller's ticket merged into a master ticket (并单); kept after a split, as history."""

    __tablename__ = "ticket_merges"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    ticket_id: Mapped[UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    master_ticket_id: Mapped[UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    automatic: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    similarity: Mapped[float | None] = mapped_column(Float)
    merged_by: Mapped[str] = mapped_column(String(100))
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    split_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    split_by: Mapped[str | None] = mapped_column(String(100))
    split_reason: Mapped[str | None] = mapped_column(Text)


class TicketAmendment(Base):
    """What a caller or operator added after registration: 补充, 撤单, a direct answer."""

    __tablename__ = "ticket_amendments"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    ticket_id: Mapped[UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # supplement | retraction | answer
    text: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[dict]] = mapped_column(JSONB, default=list)
    knowledge_entry_id: Mapped[str | None] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
