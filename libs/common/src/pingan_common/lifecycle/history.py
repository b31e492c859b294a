"""The history table every aggregate keeps: one row per transition, written with the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, declarative_mixin, mapped_column


@declarative_mixin
class HistoryMixin:
    """Columns of a ``<aggregate>_history`` table; the service adds the foreign key column.

    ``details`` holds what the action decided (unit, reason, deadlines) as JSON, so a timeline
    can explain each step without joining the tables the decision came from.
    """

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(100))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict] = mapped_column(JSONB, default=dict)
