"""The unit handler's pages: the unit's inbox (live) and the task page with the unit's actions.

The inbox refreshes on every notification from the live stream (notify tells a unit of its new,
returned and late tasks) and polls every 10 seconds as a fallback. Which tasks are shown is the
dispatch service's decision: the inbox is its queue for the user's own unit, and a task page is
refused exactly when dispatch refuses the user the task.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from pingan_console.dispatch import pages
from pingan_console.sessions.store import Session
from pingan_console.shell.auth import require_roles
from pingan_console.shell.context import Console, ConsoleDep
from pingan_console.shell.render import render
from pingan_console.unit import inbox

router = APIRouter(tags=["unit"])
BASE = "/unit"
POLL_SECONDS = 10
Handler = require_roles("handler")


@router.get("/unit", response_class=HTMLResponse, include_in_schema=False)
async def inbox_page(
    request: Request, console: ConsoleDep, tab: str = inbox.DEFAULT_TAB, session: Session = Handler
) -> HTMLResponse:
    context = await _inbox_context(console, session, tab)
    return render(request, "unit/inbox.html", session, **context)


@router.get("/unit/inbox", response_class=HTMLResponse, include_in_schema=False)
async def inbox_fragment(
    request: Request, console: ConsoleDep, tab: str = inbox.DEFAULT_TAB, session: Session = Handler
) -> HTMLResponse:
    context = await _inbox_context(console, session, tab)
    return render(request, "unit/_inbox.html", session, **context)


async def _inbox_context(console: Console, session: Session, tab: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    unit_code = session.principal.unit_code
    if not unit_code:
        return {"no_unit": True, "poll_seconds": POLL_SECONDS}
    queue = await console.upstream.get(
        "dispatch", "/v1/queues/unit", session.access_token, limit=inbox.ROWS_SHOWN
    )
    return {
        "inbox": inbox.inbox(queue, selected=tab),
        "unit_label": pages.unit_namer(console)(unit_code),
        **pages.task_list_context(now, POLL_SECONDS),
    }


@router.get("/unit/tasks/{task_id}", include_in_schema=False)
async def task_page(
    request: Request, task_id: UUID, console: ConsoleDep, session: Session = Handler
) -> Response:
    return await pages.show_task(request, console, session, task_id, base=BASE)


@router.post("/unit/tasks/{task_id}/actions/{action}", include_in_schema=False)
async def task_action(
    request: Request, task_id: UUID, action: str, console: ConsoleDep, session: Session = Handler
) -> Response:
    return await pages.act(request, console, session, task_id, action, base=BASE)
