"""The segments sent today, kept as one counter row per county day.

The budget check runs before every SMS. Summing the day's deliveries, even from an index, reads
every SMS sent so far today, so a busy day costs more with each message. The counter costs
one key lookup. It is started from that sum the first time a day is read, which also covers
the SMS sent before the counter existed. After that, each send adds its segments in the same
transaction that records the send.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_notify.models import Delivery

SENT_STATUSES = ("sent", "delivered")

_READ = text("SELECT segments FROM sms_budget_days WHERE day = :day")
_START = text(
    "INSERT INTO sms_budget_days (day, segments) VALUES (:day, :segments) "
    "ON CONFLICT (day) DO NOTHING"
)
_ADD = text(
    "INSERT INTO sms_budget_days (day, segments) VALUES (:day, :segments) "
    "ON CONFLICT (day) DO UPDATE SET segments = sms_budget_days.segments + EXCLUDED.segments"
)


def sent_since_statement(day_start: datetime) -> Select[tuple[int | None]]:
    """The SMS segments sent since ``day_start``, summed from the deliveries (from
    ix_deliveries_sms_budget): used once per day, to start that day's counter."""
    return select(func.coalesce(func.sum(Delivery.segments), 0)).where(
        Delivery.channel == "sms",
        Delivery.sent_at >= day_start,
        Delivery.status.in_(SENT_STATUSES),
    )


async def segments_used(session: AsyncSession, day_start: datetime) -> int:
    """The segments sent on the county day that starts at ``day_start`` (county time)."""
    day = day_start.date()
    used = await session.scalar(_READ, {"day": day})
    if used is not None:
        return int(used)
    counted = int(await session.scalar(sent_since_statement(day_start)) or 0)
    await session.execute(_START, {"day": day, "segments": counted})
    # Another replica may have started the day first, and may have sent since.
    return int(await session.scalar(_READ, {"day": day}) or 0)


async def add_sent(session: AsyncSession, day_start: datetime, segments: int) -> None:
    await session.execute(_ADD, {"day": day_start.date(), "segments": segments})
