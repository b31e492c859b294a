"""Idempotent consumption: record (group, event id) in the same transaction as the effect."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, TextClause, delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.events.envelope import EventEnvelope


async def claim_event(
    session: AsyncSession, inbox: Table, group: str, event: EventEnvelope
) -> bool:
    """True the first time this group sees the event; False for a redelivery."""
    parameters = {"group": group, "event_id": event.id, "event_type": event.type}
    result = await session.execute(_claim_statement(inbox), parameters)
    return result.first() is not None


def _claim_statement(inbox: Table) -> TextClause:
    # Plain SQL: SQLAlchemy 2.0 recompiles the PostgreSQL dialect's ON CONFLICT insert on every
    # call (it has no cache key), and this runs once per consumed event.
    return text(
        f"INSERT INTO {inbox.name} (consumer_group, event_id, event_type) "
        "VALUES (:group, :event_id, :event_type) "
        "ON CONFLICT (consumer_group, event_id) DO NOTHING RETURNING event_id"
    )


async def purge_inbox(session: AsyncSession, inbox: Table, older_than: datetime) -> int:
    # a DELETE's result is a CursorResult; AsyncSession.execute is typed for any statement
    result = cast(
        CursorResult[Any],
        await session.execute(delete(inbox).where(inbox.c.received_at < older_than)),
    )
    return result.rowcount or 0
