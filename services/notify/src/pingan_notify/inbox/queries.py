"""The in-app inbox: what a user sees, as SQL (the stream applies the same rule in Python).

A user sees the items addressed to them, to their unit, and to any role they hold in an area
they cover (``leader@33119900100101`` is seen by a township leader of 331199001, never by one
of 331199002). Reading an item marks it read for everyone who sees it (a unit's inbox is shared).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import ColumnElement, CursorResult, Select, and_, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal
from pingan_common.pagination import cursor_field, decode_cursor, encode_cursor
from pingan_notify.models import InboxItem
from pingan_notify.stream.hub import StreamItem


def visible_to(principal: Principal) -> ColumnElement[bool]:
    mine: list[ColumnElement[bool]] = [
        and_(InboxItem.recipient_kind == "user", InboxItem.recipient == principal.subject)
    ]
    if principal.unit_code:
        mine.append(
            and_(InboxItem.recipient_kind == "unit", InboxItem.recipient == principal.unit_code)
        )
    roles = [
        InboxItem.recipient.startswith(f"{role}@{prefix}", autoescape=True)
        for role in sorted(principal.roles)
        for prefix in principal.area_prefixes
    ]
    if roles:
        mine.append(and_(InboxItem.recipient_kind == "role", or_(*roles)))
    return or_(false(), *mine)


def filtered(
    principal: Principal,
    *,
    status: str | None = None,
    kind: str | None = None,
    ticket_id: UUID | None = None,
) -> Select[Any]:
    query = select(InboxItem).where(visible_to(principal))
    if status == "unread":
        query = query.where(InboxItem.read_at.is_(None))
    elif status == "read":
        query = query.where(InboxItem.read_at.is_not(None))
    if kind is not None:
        query = query.where(InboxItem.kind == kind)
    if ticket_id is not None:
        query = query.where(InboxItem.ticket_id == ticket_id)
    return query


async def page(
    session: AsyncSession, query: Select[Any], cursor: str | None, limit: int
) -> tuple[list[StreamItem], str | None]:
    """Newest first, keyset on the monotonic id."""
    position = decode_cursor(cursor)
    if position:
        query = query.where(InboxItem.id < cursor_field(position, "id", int))
    rows = list(await session.scalars(query.order_by(InboxItem.id.desc()).limit(limit + 1)))
    next_cursor = encode_cursor({"id": rows[limit - 1].id}) if len(rows) > limit else None
    return [StreamItem.from_row(row) for row in rows[:limit]], next_cursor


async def unread_count(session: AsyncSession, principal: Principal) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(filtered(principal, status="unread").subquery())
        )
        or 0
    )


async def items_after(
    session: AsyncSession, principal: Principal, after_id: int, limit: int
) -> list[StreamItem]:
    """What a reconnecting stream missed, oldest first."""
    rows = await session.scalars(
        select(InboxItem)
        .where(visible_to(principal), InboxItem.id > after_id)
        .order_by(InboxItem.id)
        .limit(limit)
    )
    return [StreamItem.from_row(row) for row in rows]


async def items_by_id(session: AsyncSession, ids: list[int]) -> list[StreamItem]:
    rows = await session.scalars(
        select(InboxItem).where(InboxItem.id.in_(ids)).order_by(InboxItem.id)
    )
    return [StreamItem.from_row(row) for row in rows]


async def visible_item(
    session: AsyncSession, principal: Principal, item_id: int
) -> InboxItem | None:
    return await session.scalar(
        select(InboxItem).where(InboxItem.id == item_id, visible_to(principal)).with_for_update()
    )


async def mark_all_read(session: AsyncSession, principal: Principal, at: datetime) -> int:
    # an UPDATE's result is a CursorResult; AsyncSession.execute is typed for any statement
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(InboxItem)
            .where(visible_to(principal), InboxItem.read_at.is_(None))
            .values(read_at=at, read_by=principal.subject)
        ),
    )
    return result.rowcount or 0
