"""``GET /ui/stream``: the user's live notifications, relayed from notify's ``/v1/stream``.

The browser's EventSource cannot send the bearer token, and the token must not reach the
page; so the console opens notify's stream with the session's token and passes each event on.
Pages listen for ``notification`` to refresh what changed. The relay ends when the session
does (checked at every event and heartbeat), so a signed-out tab stops receiving.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
from fastapi import APIRouter, Header, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from pingan_console.sessions.store import Session
from pingan_console.shell.auth import SESSION_COOKIE, SessionDep
from pingan_console.shell.context import Console, ConsoleDep

log = logging.getLogger("pingan.console.stream")
router = APIRouter(prefix="/ui", tags=["stream"])
RECONNECT_DELAY_SECONDS = 2.0


@router.get("/stream", include_in_schema=False)
async def stream(
    request: Request,
    session: SessionDep,
    console: ConsoleDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> EventSourceResponse:
    cookie = request.cookies.get(SESSION_COOKIE)
    return EventSourceResponse(
        _relay(console, session, cookie, last_event_id),
        ping=15,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _relay(
    console: Console, session: Session, cookie: str | None, last_event_id: str | None
) -> AsyncIterator[ServerSentEvent]:
    last_id = last_event_id
    yield ServerSentEvent(comment="connected")
    while console.sessions.get(cookie) is not None:
        try:
            async for event in _notify_events(console, session, last_id):
                if console.sessions.get(cookie) is None:
                    return
                if event.id:
                    last_id = event.id
                yield event
        except httpx.HTTPError as exc:
            log.info("notify's stream broke (%r); reconnecting", exc)
        await asyncio.sleep(RECONNECT_DELAY_SECONDS)


async def _notify_events(
    console: Console, session: Session, last_id: str | None
) -> AsyncIterator[ServerSentEvent]:
    headers = {"Authorization": f"Bearer {session.access_token}", "Accept": "text/event-stream"}
    if last_id:
        headers["Last-Event-ID"] = last_id
    url = console.upstream.url("notify", "/v1/stream")
    timeout = httpx.Timeout(10.0, read=60.0)
    async with console.upstream.http.stream("GET", url, headers=headers, timeout=timeout) as reply:
        if reply.status_code != 200:
            log.info("notify refused the stream: %s", reply.status_code)
            return
        fields: dict[str, str] = {}
        async for line in reply.aiter_lines():
            if line == "":
                if "data" in fields:
                    yield ServerSentEvent(
                        data=fields["data"], id=fields.get("id"), event=fields.get("event")
                    )
                fields = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                fields[name] = f"{fields[name]}\n{value}" if name in fields else value
