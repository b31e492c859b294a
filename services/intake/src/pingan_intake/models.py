"""Intake's tables: tickets, their timeline, numbering, idempotency keys, API clients."""

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
    Sequence,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from pingan_common.db import declarative_base
from pingan_common.messaging_tables import MessagingTables

Base = declarative_base()
messaging = MessagingTables.define(Base.metadata)
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
    caller_phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(300))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    grid_code: Mapped[str | None] = mapped_column(String(20))
    village_code: Mapped[str | None] = mapped_column(String(20))
    township_code: Mapped[str | None] = mapped_column(String(20))
    area_code: Mapped[str] = mapped_column(String(20), index=True)
    location_resolved: Mapped[bool] = mapped_column(Boolean)
    category_group: Mapped[str] = mapped_column(String(32), index=True)
    category_code: Mapped[str | None] = mapped_column(String(64))
    category_label: Mapped[str] = mapped_column(String(100))
    urgency: Mapped[str] = mapped_column(String(16))
    disposition: Mapped[str] = mapped_column(String(32))
    dispositions: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    risk_level: Mapped[str | None] = mapped_column(String(16))
    external_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    registered_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


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


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("principal", "key"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    principal: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[UUID] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ApiClient(Base):
    __tablename__ = "api_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    channels: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    area_codes: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PersonalDataRead(Base):
    """Audit trail: who saw a caller's clear phone number, and when."""

    __tablename__ = "personal_data_reads"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    ticket_id: Mapped[UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    reader: Mapped[str] = mapped_column(String(100))
    fields: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
