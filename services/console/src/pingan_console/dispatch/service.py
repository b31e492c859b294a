"""What the dispatch pages ask the services, always with the signed-in user's own token."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pingan_console.sessions.store import Session
from pingan_console.shell.context import Console
from pingan_console.upstream import UpstreamError

PAGE = 500


async def dispatcher_queue(console: Console, session: Session) -> dict[str, Any]:
    result: dict[str, Any] = await console.upstream.get(
        "dispatch", "/v1/queues/dispatcher", session.access_token, limit=30
    )
    return result


async def task_detail(console: Console, session: Session, task_id: UUID) -> dict[str, Any]:
    detail: dict[str, Any] = await console.upstream.get(
        "dispatch", f"/v1/tasks/{task_id}", session.access_token
    )
    return detail


async def perform(
    console: Console,
    session: Session,
    task_id: UUID,
    action: str,
    body: dict[str, Any],
    version: str,
) -> dict[str, Any]:
    """One lifecycle action, conditional on the version the user saw (412 when it changed)."""
    result: dict[str, Any] = await console.upstream.post(
        "dispatch", f"/v1/tasks/{task_id}/{action}", session.access_token, body,
        headers={"If-Match": f'W/"{version}"'},
    )  # fmt: skip
    return result


async def units(console: Console, session: Session) -> list[dict[str, Any]]:
    """The directory's active units (all of them: the county has a few hundred)."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await console.upstream.get(
            "dispatch", "/v1/directory/units", session.access_token,
            active="true", limit=PAGE, cursor=cursor,
        )  # fmt: skip
        found.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return found


async def routing_explanation(
    console: Console, session: Session, task: dict[str, Any]
) -> dict[str, Any] | None:
    """The routing dry run for the task's category, urgency and place (dispatchers only);
    None when the service will not explain it for this user or this task."""
    body = {
        "category_group": task["category_group"],
        "category_code": task.get("category_code"),
        "urgency": task["urgency"] if task["urgency"] in ("urgent", "normal") else "normal",
        "area_code": task.get("area_code"),
    }
    try:
        explained: dict[str, Any] = await console.upstream.post(
            "dispatch", "/v1/routing/explain", session.access_token, body
        )
    except UpstreamError as error:
        if error.status in (403, 422):
            return None
        raise
    return explained


async def ticket(console: Console, session: Session, ticket_id: str) -> dict[str, Any] | None:
    """The ticket behind the task from intake (masked as intake masks it); None if not visible."""
    try:
        found: dict[str, Any] = await console.upstream.get(
            "intake", f"/v1/tickets/{ticket_id}", session.access_token
        )
    except UpstreamError as error:
        if error.status in (403, 404):
            return None
        raise
    return found
