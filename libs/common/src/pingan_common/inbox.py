"""Idempotent consumption: record (group, event id) in the same transaction as the effect."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.events.envelope import EventEnvelope


async def claim_event(
    session: AsyncSession, inbox: Table, group: str, event: EventEnvelope
) -> bool:
    """True the first time this group sees the event; False for a redelivery."""
    statement = (
        insert(inbox)
        .values(consumer_group=group, event_id=event.id, event_type=event.type)
        .on_conflict_do_nothing(index_elements=["consumer_group", "event_id"])
        .returning(inbox.c.event_id)
    )
    return (await session.execute(statement)).first() is not None


async def purge_inbox(session: AsyncSession, inbox: Table, older_than: datetime) -> int:
    result = await session.execute(delete(inbox).where(inbox.c.received_at < older_than))
    return result.rowcount or 0
