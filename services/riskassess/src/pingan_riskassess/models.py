"""Riskassess's tables: alerts."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import ARRAY, DateTime, String, Text, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pingan_common.db import new_metadata
from pingan_common.messaging_tables import MessagingTables


class Base(DeclarativeBase):
    """Riskassess's own registry and MetaData; a class statement, so that mypy sees a base."""

    metadata = new_metadata()


messaging = MessagingTables.define(Base.metadata)


class Alert(Base):
    __tablename__ = "alerts"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    ticket_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    ticket_number: Mapped[str] = mapped_column(String(32))
    source_event_id: Mapped[UUID] = mapped_column(Uuid, unique=True)
    level: Mapped[str] = mapped_column(String(16), index=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    signals: Mapped[list[dict]] = mapped_column(JSONB)
    area_code: Mapped[str] = mapped_column(String(20), index=True)
    summary: Mapped[str] = mapped_column(Text)
    notify_roles: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
