"""Delivery reports (状态报告) that may arrive before notify has recorded the send.

The provider can report a message delivered before the transaction that stores its message id
and status ``sent`` has committed. Every report is therefore kept (``sms_receipts``), and both
sides take the same per-message advisory lock: whichever commits second sees the other's row —
the report finds the sent delivery, or the send finds the waiting report — so no report is lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_notify.models import Delivery, SmsReceipt

_LOCK_NAMESPACE = 7_240_301


async def record_report(session: AsyncSession, provider_message_id: str, at: datetime) -> int:
    """Keep the report and mark its delivery delivered if it is already sent (rows updated)."""
    await _lock(session, provider_message_id)
    await session.execute(
        insert(SmsReceipt)
        .values(provider_message_id=provider_message_id, delivered_at=at, received_at=at)
        .on_conflict_do_nothing(index_elements=["provider_message_id"])
    )
    return await _mark_delivered(session, provider_message_id, at)


async def apply_early_report(session: AsyncSession, provider_message_id: str) -> int:
    """After a send is recorded: a report that came first now marks it delivered."""
    await _lock(session, provider_message_id)
    delivered_at = await session.scalar(
        select(SmsReceipt.delivered_at).where(SmsReceipt.provider_message_id == provider_message_id)
    )
    if delivered_at is None:
        return 0
    return await _mark_delivered(session, provider_message_id, delivered_at)


async def _mark_delivered(session: AsyncSession, provider_message_id: str, at: datetime) -> int:
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(Delivery)
            .where(
                Delivery.provider_message_id == provider_message_id,
                Delivery.channel == "sms",
                Delivery.status == "sent",
            )
            .values(status="delivered", delivered_at=at)
        ),
    )
    return result.rowcount or 0


async def _lock(session: AsyncSession, provider_message_id: str) -> None:
    await session.execute(
        select(func.pg_advisory_xact_lock(_LOCK_NAMESPACE, func.hashtext(provider_message_id)))
    )
