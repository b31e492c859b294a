"""The in-app inbox under /v1/inbox, and the live stream at /v1/stream (Server-Sent Events)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from pingan_common.auth import Principal, Role, auth_context, require
from pingan_common.pagination import DEFAULT_LIMIT, PageLimit
from pingan_common.problems import (
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    problem_responses,
)
from pingan_common.runtime import Runtime, RuntimeDep
from pingan_notify import inbox
from pingan_notify.alerts import acknowledge_alert
from pingan_notify.deliveries import DeliveryWriter
from pingan_notify.schemas import InboxItemRead, InboxPage, MarkedRead, UnreadCount
from pingan_notify.state import NotifyState, get_state
from pingan_notify.stream import StreamItem, Subscriber

log = logging.getLogger("pingan.notify.stream")

router = APIRouter(prefix="/v1", tags=["inbox"])

Staff = Annotated[Principal, Depends(require(*Role))]
State = Annotated[NotifyState, Depends(get_state)]


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
async def read_item(item_id: int, principal: Staff, runtime: RuntimeDep) -> InboxItemRead:
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
    responses=problem_responses(401, 403, 404, 409),
    summary="Acknowledge an alert (签收预警): its repeats stop",
)
async def acknowledge_item(
    item_id: int, principal: Staff, runtime: RuntimeDep, state: State
) -> InboxItemRead:
    now = runtime.now()
    async with runtime.transaction() as session:
        item = await inbox.visible_item(session, principal, item_id)
        if item is None:
            raise NotFound("inbox item", item_id)
        if not item.requires_ack or item.alert_id is None:
            raise Conflict("this notification needs no acknowledgement")
        writer = DeliveryWriter(state, session, lambda e: runtime.publish(session, e), now)
        await acknowledge_alert(writer, item.alert_id, principal.subject, now)
        if item.read_at is None:
            item.read_at, item.read_by = now, principal.subject
        await session.refresh(item)
        return _read(StreamItem.from_row(item))


async def stream_principal(
    request: Request,
    access_token: str | None = Query(
        default=None, description="For EventSource clients, which cannot send headers"
    ),
) -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    token = credentials if scheme.lower() == "bearer" and credentials else access_token
    if not token:
        raise Unauthorized("missing credentials", bearer_error=None)
    principal = await auth_context(request).verifier.verify(token)
    if principal.kind != "user" or not principal.has_role(*Role):
        raise Forbidden("the live stream is for staff users")
    request.state.principal = principal
    return principal


@router.get(
    "/stream",
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"},
        **problem_responses(401, 403),
    },
    summary="Live stream of your new in-app notifications (Server-Sent Events)",
    description=(
        "Each event is `event: notification`, `id: <inbox item id>`, `data: <item JSON>`. "
        "Reconnect with `Last-Event-ID` (EventSource does it) to get what you missed. "
        "A comment line every 15 s keeps proxies from closing the connection. "
        "Authenticate with a bearer token, or `?access_token=` from a browser EventSource."
    ),
)
async def stream(
    request: Request,
    runtime: RuntimeDep,
    state: State,
    principal: Annotated[Principal, Depends(stream_principal)],
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> EventSourceResponse:
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else None
    return EventSourceResponse(
        _events(runtime, state, principal, after),
        ping=state.settings.stream_heartbeat_s,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(
    runtime: Runtime, state: NotifyState, principal: Principal, after: int | None
) -> AsyncIterator[ServerSentEvent]:
    limit = state.settings.stream_replay_limit
    sent = _RecentIds()
    subscriber = state.hub.subscribe(principal)
    try:
        # Subscribed before replaying: whatever commits meanwhile is queued, and deduplicated.
        yield ServerSentEvent(comment="connected")
        if after is not None:
            for item in await _replay(runtime, subscriber, after, limit):
                sent.add(item.id)
                yield _event(item)
        while True:
            item = await subscriber.queue.get()
            if subscriber.overflowed:
                subscriber.overflowed = False
                _drain(subscriber)
                for missed in await _replay(runtime, subscriber, sent.oldest(), limit):
                    if sent.add(missed.id):
                        yield _event(missed)
                continue
            if sent.add(item.id):
                yield _event(item)
    finally:
        state.hub.unsubscribe(subscriber)


async def _replay(
    runtime: Runtime, subscriber: Subscriber, after: int, limit: int
) -> list[StreamItem]:
    async with runtime.transaction() as session:
        return await inbox.items_after(session, subscriber.principal, after, limit)


def _drain(subscriber: Subscriber) -> None:
    while not subscriber.queue.empty():
        subscriber.queue.get_nowait()


def _event(item: StreamItem) -> ServerSentEvent:
    return ServerSentEvent(data=item.as_json(), id=str(item.id), event="notification")


class _RecentIds:
    """The ids a stream has sent lately: items can commit out of id order, so a plain "higher
    than the last id" check would drop a late one; this only drops true duplicates."""

    def __init__(self, size: int = 5000) -> None:
        self._size = size
        self._ids: dict[int, None] = {}

    def add(self, item_id: int) -> bool:
        if item_id in self._ids:
            return False
        self._ids[item_id] = None
        if len(self._ids) > self._size:
            del self._ids[next(iter(self._ids))]
        return True

    def oldest(self) -> int:
        return min(self._ids, default=0)
