"""The in-app inbox under /v1/inbox: list, count, read, acknowledge."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from pingan_common.auth import Principal, Role, require
from pingan_common.pagination import DEFAULT_LIMIT, PageLimit, RowId
from pingan_common.problems import Conflict, NotFound, problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_notify.deliveries.writer import DeliveryWriter
from pingan_notify.inbox import queries as inbox
from pingan_notify.inbox.schemas import InboxItemRead, InboxPage, MarkedRead, UnreadCount
from pingan_notify.notices.alerts import acknowledge_alert, acknowledge_at_owner
from pingan_notify.state import NotifyStateDep
from pingan_notify.stream.hub import StreamItem

# An inbox item's id is a bigint: a larger number was a 500 from the database (schemathesis).
ItemId = RowId

router = APIRouter(prefix="/v1", tags=["inbox"])

Staff = Annotated[Principal, Depends(require(*Role))]


def _read(item: StreamItem) -> InboxItemRead:
    return InboxItemRead.model_validate(item, from_attributes=True)


@router.get(
    "/inbox",
    response_model=InboxPage,
    responses=problem_responses(400, 401, 403),
    summary="Your in-app notifications, newest first: yours, your unit's, your role's",
)
async def list_inbox(
    principal: Staff,
    runtime: RuntimeDep,
    status: str | None = Query(default=None, pattern="^(unread|read)$"),
    kind: str | None = Query(default=None, examples=["task.assigned"]),
    ticket_id: UUID | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> InboxPage:
    query = inbox.filtered(principal, status=status, kind=kind, ticket_id=ticket_id)
    async with runtime.transaction() as session:
        items, next_cursor = await inbox.page(session, query, cursor, limit)
        unread = await inbox.unread_count(session, principal)
    return InboxPage(items=[_read(i) for i in items], next_cursor=next_cursor, unread=unread)


@router.get(
    "/inbox/unread-count", response_model=UnreadCount, responses=problem_responses(401, 403)
)
async def unread_count(principal: Staff, runtime: RuntimeDep) -> UnreadCount:
    async with runtime.transaction() as session:
        return UnreadCount(unread=await inbox.unread_count(session, principal))


@router.post("/inbox/read-all", response_model=MarkedRead, responses=problem_responses(401, 403))
async def read_all(principal: Staff, runtime: RuntimeDep) -> MarkedRead:
    async with runtime.transaction() as session:
        return MarkedRead(marked=await inbox.mark_all_read(session, principal, runtime.now()))


@router.post(
    "/inbox/{item_id}/read",
    response_model=InboxItemRead,
    responses=problem_responses(401, 403, 404),
)
async def read_item(item_id: ItemId, principal: Staff, runtime: RuntimeDep) -> InboxItemRead:
    async with runtime.transaction() as session:
        item = await inbox.visible_item(session, principal, item_id)
        if item is None:
            raise NotFound("inbox item", item_id)
        if item.read_at is None:
            item.read_at = runtime.now()
            item.read_by = principal.subject
        return _read(StreamItem.from_row(item))


@router.post(
    "/inbox/{item_id}/acknowledge",
    response_model=InboxItemRead,
    responses=problem_responses(401, 403, 404, 409, 503),
    summary="Acknowledge an alert (签收预警) at riskassess, as you; then its repeats stop",
)
async def acknowledge_item(
    item_id: ItemId,
    principal: Staff,
    runtime: RuntimeDep,
    state: NotifyStateDep,
    request: Request,
) -> InboxItemRead:
    async with runtime.transaction() as session:
        item = await inbox.visible_item(session, principal, item_id)
        if item is None:
            raise NotFound("inbox item", item_id)
        if not item.requires_ack or item.alert_id is None:
            raise Conflict("this notification needs no acknowledgement")
        alert_id = item.alert_id
    # Riskassess owns the alert: it acknowledges (or refuses) first, outside our transaction.
    await acknowledge_at_owner(state.settings, alert_id, request.headers.get("authorization", ""))
    now = runtime.now()
    async with runtime.transaction() as session:
        item = await inbox.visible_item(session, principal, item_id)
        if item is None:
            raise NotFound("inbox item", item_id)
        writer = DeliveryWriter.for_session(state, runtime, session, now)
        await acknowledge_alert(writer, alert_id, principal.subject, now)
        if item.read_at is None:
            item.read_at, item.read_by = now, principal.subject
        await session.refresh(item)
        return _read(StreamItem.from_row(item))
