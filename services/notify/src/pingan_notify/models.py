"""Notify's tables: deliveries (one row per recipient per triggering event)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pingan_common.db import declarative_base
from pingan_common.messaging_tables import MessagingTables

Base = declarative_base()
messaging = MessagingTables.define(Base.metadata)


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("trigger_event_id", "recipient"),)

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient_kind: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)
    ticket_id: Mapped[UUID | None] = mapped_column(Uuid)
    trigger_event_id: Mapped[UUID] = mapped_column(Uuid)
    trigger_type: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
