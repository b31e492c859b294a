"""Human ticket numbers: prefix + local date + a daily sequence, e.g. QS20261123000123."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_intake.models import TicketNumberCounter


async def next_ticket_number(
    session: AsyncSession, *, prefix: str, now: datetime, timezone: str
) -> str:
    day = now.astimezone(ZoneInfo(timezone)).date()
    table = TicketNumberCounter.__table__
    statement = (
        insert(table)
        .values(day=day, last_value=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last_value": table.c.last_value + 1})
        .returning(table.c.last_value)
    )
    sequence = (await session.execute(statement)).scalar_one()
    return format_ticket_number(prefix, day.strftime("%Y%m%d"), sequence)


def format_ticket_number(prefix: str, yyyymmdd: str, sequence: int) -> str:
    return f"{prefix}{yyyymmdd}{sequence:06d}"
