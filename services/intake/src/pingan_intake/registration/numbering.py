"""Human ticket numbers: prefix + local date + six digits, e.g. QS20261123000123.

The digits come from a PostgreSQL sequence rather than a per-day counter row: a counter row
would be locked by every registering transaction until it commits, so registrations would
queue behind each other's disk flushes. The sequence is not transactional and never blocks;
numbers still increase through the day but do not restart at 000001 every midnight, and a
rolled-back registration leaves a gap. It cycles after 999999, which at county volumes (a few
hundred tickets a day) is years away, and the date part keeps numbers unique across the wrap.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from pingan_intake.models import ticket_number_sequence


async def next_ticket_number(
    session: AsyncSession, *, prefix: str, now: datetime, timezone: str
) -> str:
    sequence = await session.scalar(ticket_number_sequence.next_value())
    return ticket_number(prefix, now, timezone, sequence)


def ticket_number(prefix: str, now: datetime, timezone: str, sequence: int) -> str:
    """From a sequence value already fetched (registration fetches it with another statement)."""
    day = now.astimezone(ZoneInfo(timezone)).strftime("%Y%m%d")
    return format_ticket_number(prefix, day, sequence)


def format_ticket_number(prefix: str, yyyymmdd: str, sequence: int) -> str:
    return f"{prefix}{yyyymmdd}{sequence:06d}"
