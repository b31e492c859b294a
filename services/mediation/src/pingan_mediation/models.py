"""Mediation's tables: dispute cases."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, Sequence, String, Text, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pingan_common.db import new_metadata
from pingan_common.messaging_tables import MessagingTables


class Base(DeclarativeBase):
    """Mediation's own registry and MetaData; a class statement, so that mypy sees a base."""

    metadata = new_metadata()


messaging = MessagingTables.define(Base.metadata)
case_number_sequence = Sequence("case_number_seq", metadata=Base.metadata)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    case_number: Mapped[str] = mapped_column(String(32), unique=True)
    ticket_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    ticket_number: Mapped[str] = mapped_column(String(32))
    source_event_id: Mapped[UUID] = mapped_column(Uuid, unique=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    dispute_type: Mapped[str | None] = mapped_column(String(64))
    dispute_label: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    committee_code: Mapped[str] = mapped_column(String(40), index=True)
    committee_name: Mapped[str] = mapped_column(String(100))
    area_code: Mapped[str] = mapped_column(String(20), index=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
