"""The live stream at /v1/stream: Server-Sent Events of the caller's new inbox items."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from pingan_common.auth import Principal, Role, auth_context
from pingan_common.problems import Forbidden, Unauthorized, problem_responses
from pingan_common.runtime import Runtime, RuntimeDep
from pingan_notify.inbox import queries as inbox
from pingan_notify.state import NotifyState, NotifyStateDep
from pingan_notify.stream.hub import StreamItem, Subscriber

# Tagged with the inbox: the stream is the inbox's live view.
router = APIRouter(prefix="/v1", tags=["inbox"])


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
        "When the token expires the stream sends `event: expired` and ends. "
        "Authenticate with a bearer token, or `?access_token=` from a browser EventSource."
    ),
)
async def stream(
    request: Request,
    runtime: RuntimeDep,
    state: NotifyStateDep,
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
            try:
                item = await asyncio.wait_for(subscriber.queue.get(), _seconds_left(principal))
            except TimeoutError:
                # The token ran out: what it allowed ends with it. The client signs in again.
                yield ServerSentEvent(event="expired", data='{"reason": "token expired"}')
                return
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


def _seconds_left(principal: Principal) -> float | None:
    """Until the token expires; None (wait forever) for a token without an expiry."""
    if principal.expires_at is None:
        return None
    return max(0.0, principal.expires_at - time.time())


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
