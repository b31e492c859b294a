"""A ticket's timeline: the entries intake writes itself, and the whole timeline in order."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_intake.models import Ticket, TimelineEntry


def intake_entry(
    ticket: Ticket | Row[Any], at: datetime, step: str, summary: str, details: dict
) -> TimelineEntry:
    """An entry intake writes itself (registration, merges, amendments, closing); the other
    services' entries come through the projections, with the event that reported them."""
    return TimelineEntry(
        ticket_id=ticket.id, at=at, step=step, service="intake", summary=summary, details=details
    )


async def timeline_of(session: AsyncSession, ticket_id: UUID) -> list[TimelineEntry]:
    """Oldest first; entries of one instant in the order they were written."""
    rows = await session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.ticket_id == ticket_id)
        .order_by(TimelineEntry.at, TimelineEntry.id)
    )
    return list(rows)
