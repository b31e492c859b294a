"""Dispatch's tables: the org directory's units and the tasks routed to them."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from sqlalchemy import ARRAY, BigInteger, DateTime, ForeignKey, Identity, String, Text, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from pingan_common.db import declarative_base
from pingan_common.messaging_tables import MessagingTables

Base = declarative_base()
messaging = MessagingTables.define(Base.metadata)


class Unit(Base):
    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    area_code: Mapped[str] = mapped_column(String(20), index=True)
    parent_code: Mapped[str | None] = mapped_column(String(40))
    category_groups: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    phone: Mapped[str | None] = mapped_column(String(32))
    webhook_url: Mapped[str | None] = mapped_column(String(300))


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    ticket_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    ticket_number: Mapped[str] = mapped_column(String(32))
    # The event that created the task: a second task from the same event is impossible.
    source_event_id: Mapped[UUID] = mapped_column(Uuid, unique=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    summary: Mapped[str] = mapped_column(Text)
    category_group: Mapped[str] = mapped_column(String(32))
    category_code: Mapped[str | None] = mapped_column(String(64))
    category_label: Mapped[str] = mapped_column(String(100))
    urgency: Mapped[str] = mapped_column(String(16))
    area_code: Mapped[str] = mapped_column(String(20), index=True)
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"), index=True)
    co_unit_codes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    rule_id: Mapped[str | None] = mapped_column(String(64))
    route_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accept_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: ClassVar[dict] = {"version_id_col": version}


class TaskHistory(Base):
    __tablename__ = "task_history"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    task_id: Mapped[UUID] = mapped_column(ForeignKey("tasks.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(100))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict] = mapped_column(JSONB, default=dict)
