"""The dispatcher's pages: the board of queues (live) and the task page with its actions.

The board refreshes itself on every notification from the live stream and, because a
dispatcher is told of few events (notify sends most task notices to units), also polls every
5 seconds; the task page does not refresh by itself, so nothing the user types is lost — an
action on a task someone changed meanwhile is refused by dispatch (412) and the page says so.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from pingan_console.dispatch import pages, queues, service
from pingan_console.sessions.store import Session
from pingan_console.shell.auth import require_roles
from pingan_console.shell.context import Console, ConsoleDep
from pingan_console.shell.render import render

router = APIRouter(tags=["dispatch"])
BASE = "/dispatch"
POLL_SECONDS = 5
Viewer = require_roles("dispatcher", "leader", "admin")


@router.get("/dispatch", response_class=HTMLResponse, include_in_schema=False)
async def board_page(
    request: Request,
    console: ConsoleDep,
    queue: str = queues.DEFAULT_QUEUE,
    session: Session = Viewer,
) -> HTMLResponse:
    context = await _board_context(console, session, queue)
    return render(request, "dispatch/board.html", session, **context)


@router.get("/dispatch/board", response_class=HTMLResponse, include_in_schema=False)
async def board_fragment(
    request: Request,
    console: ConsoleDep,
    queue: str = queues.DEFAULT_QUEUE,
    session: Session = Viewer,
) -> HTMLResponse:
    context = await _board_context(console, session, queue)
    return render(request, "dispatch/_board.html", session, **context)


async def _board_context(console: Console, session: Session, queue: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    service_queue = await service.dispatcher_queue(console, session)
    shown = queues.board(service_queue, selected=queue)
    return {
        "board": shown,
        "unit_name": pages.unit_namer(console),
        **pages.task_list_context(now, POLL_SECONDS),
    }


@router.get("/dispatch/tasks/{task_id}", include_in_schema=False)
async def task_page(
    request: Request, task_id: UUID, console: ConsoleDep, session: Session = Viewer
) -> Response:
    return await pages.show_task(request, console, session, task_id, base=BASE)


@router.post("/dispatch/tasks/{task_id}/actions/{action}", include_in_schema=False)
async def task_action(
    request: Request, task_id: UUID, action: str, console: ConsoleDep, session: Session = Viewer
) -> Response:
    return await pages.act(request, console, session, task_id, action, base=BASE)
