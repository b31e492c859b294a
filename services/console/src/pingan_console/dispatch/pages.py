"""The task page both the dispatcher (/dispatch/tasks/…) and the unit (/unit/tasks/…) use:
what it fetches, how an action is sent, and how each refusal is told."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pingan_console.dispatch import actions, detail, labels, service
from pingan_console.dispatch.timefmt import county_text, remaining_text
from pingan_console.sessions.store import Session
from pingan_console.shell.context import Console
from pingan_console.shell.render import is_htmx, render
from pingan_console.upstream import UpstreamError

STALE_MESSAGE = "任务已被他人更新，请刷新"


def task_list_context(now: datetime, poll_seconds: int) -> dict[str, Any]:
    """What a refreshing list of tasks needs besides its rows: the poll, the time of this
    answer, and how to show a deadline (the board and the unit inbox share it)."""
    return {
        "poll_seconds": poll_seconds,
        "updated_at": county_text(now),
        "when": county_text,
        "remaining": lambda due: remaining_text(due, now),
        "labels": labels,
    }


SYSTEM_ACTORS = {"system": "系统", "dispatch": "派单服务", "scanner": "时限扫描"}


def unit_namer(console: Console) -> detail.UnitName:
    def name(code: str | None) -> str:
        if not code:
            return "—"
        unit = console.county.unit(code)
        return unit.name if unit else code

    return name


def person_namer(console: Console) -> detail.PersonName:
    def name(subject: str) -> str:
        user = console.county.user(subject)
        if user is not None:
            return user.display_name
        return SYSTEM_ACTORS.get(subject, subject or "—")

    return name


async def task_view(
    console: Console, session: Session, task: dict[str, Any], *, base: str
) -> dict[str, Any]:
    """Everything the task region shows, for a task as the service just answered it."""
    forms, unsupported = actions.action_forms(task)
    wants_units = any(form.explain for form in forms)
    may_explain = bool(session.principal.roles & {"dispatcher", "admin"})
    ticket, units, explanation = await asyncio.gather(
        service.ticket(console, session, str(task["ticket_id"])),
        service.units(console, session) if wants_units else _nothing_list(),
        service.routing_explanation(console, session, task) if may_explain else _nothing(),
    )
    now = datetime.now(UTC)
    unit_name = unit_namer(console)
    stage_label, stage_tone = detail.stage(task)
    return {
        "task": task,
        "base": base,
        "ticket": ticket,
        "forms": forms,
        "unsupported": [labels.label(labels.ACTION_LABELS, a) for a in unsupported],
        "unit_choices": actions.unit_choices(units),
        "explanation": explanation,
        "candidates": detail.candidates(explanation),
        "timeline": detail.timeline(
            task.get("history", []), unit_name=unit_name, person=person_namer(console)
        ),
        "deadlines": detail.deadlines(task, now),
        "stage_label": stage_label,
        "stage_tone": stage_tone,
        "unit_name": unit_name,
        "area_label": console.area_name,
        "when": lambda at: county_text(at, with_year=True),
        "labels": labels,
    }


async def _nothing() -> None:
    return None


async def _nothing_list() -> list[dict[str, Any]]:
    return []


async def show_task(
    request: Request, console: Console, session: Session, task_id: UUID, *, base: str
) -> Response:
    """The task page; a task the user may not see is refused without a word of its content."""
    try:
        task = await service.task_detail(console, session, task_id)
    except UpstreamError as error:
        if error.status in (403, 404):
            return refused(request, session, error.status)
        raise
    view = await task_view(console, session, task, base=base)
    return render(request, "dispatch/task.html", session, **view)


def refused(request: Request, session: Session, status: int) -> HTMLResponse:
    title = "无权查看此任务" if status == 403 else "任务不存在"
    text = (
        "派单服务拒绝了此请求（403）：该任务不属于您的单位或辖区。"
        if status == 403
        else "派单服务未找到此任务（404），它可能已被撤销，或链接有误。"
    )
    return render(
        request, "shell/message.html", session, status_code=status, title=title, text=text
    )


async def act(
    request: Request,
    console: Console,
    session: Session,
    task_id: UUID,
    action: str,
    *,
    base: str,
) -> Response:
    """Send one action with the version the user saw; answer the new task region, or why not."""
    form = await request.form()
    data: dict[str, Sequence[str]] = {
        key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form
    }
    version = _first(data, "version")
    page = f"{base}/tasks/{task_id}"
    if action not in actions.BODIES:
        return _told(request, session, 404, "没有这项操作", f"控制台不认识操作“{action}”。", page)
    try:
        body = actions.body_of(action, data)
    except actions.FormInvalid as invalid:
        return _told(request, session, 422, "填写有误", invalid.message, page)
    try:
        task = await service.perform(console, session, task_id, action, body, version)
    except UpstreamError as error:
        if error.status == 401:
            raise
        return _refusal(request, session, error, page)
    if not is_htmx(request):
        return RedirectResponse(page, status_code=303)
    view = await task_view(console, session, task, base=base)
    done = f"已{labels.label(labels.ACTION_LABELS, action)}"
    return render(request, "dispatch/_task_live.html", session, done=done, **view)


def _first(data: Mapping[str, Sequence[str]], name: str) -> str:
    values = data.get(name) or [""]
    return values[0]


def _refusal(request: Request, session: Session, error: UpstreamError, page: str) -> Response:
    body = error.body if isinstance(error.body, dict) else {}
    if error.status == 412:
        return _told(request, session, 412, "操作未完成", STALE_MESSAGE, page, stale=True)
    if error.status == 409:
        allowed = "、".join(
            labels.label(labels.ACTION_LABELS, a) for a in body.get("allowed_actions") or []
        )
        text = f"任务当前的状态不允许此操作（{error.detail}）。" + (
            f"现在可做：{allowed}。" if allowed else ""
        )
        return _told(request, session, 409, "操作未完成", text, page, stale=True)
    if error.status == 422:
        messages = [str(e.get("message")) for e in body.get("errors") or [] if e.get("message")]
        return _told(request, session, 422, "填写有误", "；".join(messages) or error.detail, page)
    if error.status == 403:
        return _told(request, session, 403, "无权操作", "派单服务拒绝了此操作（403）。", page)
    if error.status == 404:
        return _told(request, session, 404, "任务不存在", "派单服务未找到此任务（404）。", page)
    return _told(request, session, error.status, "操作未完成", error.detail, page)


def _told(
    request: Request,
    session: Session,
    status: int,
    title: str,
    text: str,
    page: str,
    *,
    stale: bool = False,
) -> Response:
    if not is_htmx(request):
        return render(
            request, "shell/message.html", session, status_code=status, title=title, text=text
        )
    response = render(
        request, "dispatch/_refusal.html", session, status_code=status,
        title=title, text=text, page=page, stale=stale,
    )  # fmt: skip
    response.headers["HX-Retarget"] = "#flash"
    response.headers["HX-Reswap"] = "innerHTML"
    return response
