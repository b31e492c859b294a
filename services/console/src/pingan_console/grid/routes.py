"""网格员 pages, phone first: the grid's tasks (核查 and tickets from dispatch), the visits due
(走访, from riskassess's key-person schedule) with recording one, one task with its actions,
and the event report (网格上报) with location and photo metadata.

Everything is rendered here and small: the task list is a server-rendered fragment (10 rows a
page) that refreshes on the live stream or every 30 s, so a slow connection carries only HTML.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from pingan_console.grid import forms, views, visits
from pingan_console.grid.gridmap import grid_map
from pingan_console.sessions.store import Session
from pingan_console.shell.auth import require_roles
from pingan_console.shell.context import Console, ConsoleDep
from pingan_console.shell.render import is_htmx, render
from pingan_console.upstream import UpstreamError

router = APIRouter(tags=["grid"])
GridWorker = require_roles("grid_worker")
PAGE_SIZE = 10
VIEWS = {"todo": "待办", "verification": "核查/走访", "all": "全部"}


@router.get("/grid", response_class=HTMLResponse)
async def grid_home(
    request: Request, console: ConsoleDep, session: Session = GridWorker
) -> HTMLResponse:
    lists = await _task_lists(request, console, session)
    reports = await console.upstream.get(
        "intake", "/v1/tickets", session.access_token, channel="grid_report", limit=5
    )
    recent = [
        {
            "number": item["ticket_number"],
            "label": item["category"]["label"],
            "status": views.ticket_status(item["status"]),
            "at": views.county_time(item["registered_at"]),
        }
        for item in reports["items"]
    ]
    due = await _visits(console, session)
    return render(request, "grid/home.html", session, recent=recent, **lists, **due)


@router.get("/grid/tasks", response_class=HTMLResponse)
async def grid_tasks(
    request: Request, console: ConsoleDep, session: Session = GridWorker
) -> HTMLResponse:
    """The task list alone, for the live refresh and the filter and page links."""
    lists = await _task_lists(request, console, session)
    return render(request, "grid/tasks.html", session, **lists)


async def _task_lists(request: Request, console: Console, session: Session) -> dict[str, Any]:
    view = request.query_params.get("view", "todo")
    view = view if view in VIEWS else "todo"
    cursor = request.query_params.get("cursor") or None
    unit = session.principal.unit_code
    token = session.access_token
    now = datetime.now(UTC)
    queue = await console.upstream.get("dispatch", "/v1/queues/unit", token, limit=PAGE_SIZE)
    counts = {
        "new": queue["new"]["count"],
        "in_progress": queue["in_progress"]["count"],
        "near_deadline": queue["near_deadline"]["count"],
        "overdue": queue["overdue"]["count"],
    }
    next_cursor = None
    if view == "todo":
        items = queue["new"]["items"] + queue["in_progress"]["items"]
        more = counts["new"] + counts["in_progress"] > len(items)
    else:
        page = await console.upstream.get(
            "dispatch",
            "/v1/tasks",
            token,
            unit_code=unit,
            kind="verification" if view == "verification" else None,
            cursor=cursor,
            limit=PAGE_SIZE,
        )
        items, next_cursor, more = page["items"], page.get("next_cursor"), False
    return {
        "view": view,
        "views": VIEWS,
        "counts": counts,
        "rows": [views.task_row(item, now) for item in items],
        "next_cursor": next_cursor,
        "more_todo": more,
        "paged": cursor is not None,
        "cursor": cursor,
    }


async def _visits(console: Console, session: Session) -> dict[str, Any]:
    """The visits due in the grid; riskassess not answering leaves the rest of the page up."""
    context: dict[str, Any] = {"visit_days": visits.DUE_WITHIN_DAYS}
    try:
        page = await console.upstream.get(
            "riskassess", "/v1/key-person-visits", session.access_token,
            due_within_days=visits.DUE_WITHIN_DAYS, limit=100,
        )  # fmt: skip
    except UpstreamError as error:
        if error.status == 401:
            raise
        problem = "无权查看" if error.status == 403 else "暂不可用"
        return context | {"visits": None, "visits_problem": problem}
    return context | {"visits": visits.visit_rows(page)}


@router.get("/grid/visits", response_class=HTMLResponse)
async def grid_visits(
    request: Request, console: ConsoleDep, session: Session = GridWorker
) -> HTMLResponse:
    """The visits list alone (after a visit is recorded, or to look again)."""
    return render(request, "grid/visits.html", session, **await _visits(console, session))


@router.post("/grid/visits/{person_id}", response_model=None)
async def grid_visit_record(
    person_id: uuid.UUID, request: Request, console: ConsoleDep, session: Session = GridWorker
) -> Response:
    fields = _fields(await request.form())
    try:
        body = visits.visit_body(fields.get("found", ""), fields.get("notes", ""))
    except forms.FormProblem as problem:
        return _form_problem(request, session, str(problem), "/grid")
    person = await console.upstream.post(
        "riskassess", f"/v1/key-person-visits/{person_id}", session.access_token, body
    )
    if not is_htmx(request):
        return RedirectResponse("/grid", status_code=303)
    due = await _visits(console, session)
    return render(request, "grid/visits.html", session, visit_done=visits.done_text(person), **due)


@router.get("/grid/tasks/{task_id}", response_class=HTMLResponse)
async def grid_task(
    task_id: uuid.UUID, request: Request, console: ConsoleDep, session: Session = GridWorker
) -> HTMLResponse:
    task = await console.upstream.get("dispatch", f"/v1/tasks/{task_id}", session.access_token)
    return render(request, "grid/task.html", session, **_task_context(task))


def _task_context(task: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "task": task,
        "row": views.task_row(task, datetime.now(UTC)),
        "history": views.history_lines(task.get("history", [])),
        "actions": [a for a in task["allowed_actions"] if a in views.TASK_ACTIONS],
        "action_labels": views.TASK_ACTIONS,
        "return_reasons": views.RETURN_REASONS,
        "deadlines": {
            "accept": views.county_time(task["deadlines"].get("accept_due_at")),
            "due": views.county_time(task["deadlines"].get("due_at")),
        },
        "reply": task.get("reply") or {},
        **extra,
    }


@router.post("/grid/tasks/{task_id}/{action}", response_model=None)
async def grid_task_action(
    task_id: uuid.UUID,
    action: str,
    request: Request,
    console: ConsoleDep,
    session: Session = GridWorker,
) -> Response:
    form = await request.form()
    try:
        body = forms.task_action_body(action, _fields(form), _photos(form))
    except forms.FormProblem as problem:
        return _form_problem(request, session, str(problem), f"/grid/tasks/{task_id}")
    version = str(form.get("version", ""))
    task = await console.upstream.post(
        "dispatch",
        f"/v1/tasks/{task_id}/{action}",
        session.access_token,
        body,
        headers={"If-Match": f'W/"{version}"'} if version.isdigit() else None,
    )
    if not is_htmx(request):
        return RedirectResponse(f"/grid/tasks/{task_id}", status_code=303)
    done = views.DONE.get(action, "已提交")
    return render(request, "grid/task_panel.html", session, **_task_context(task, done=done))


@router.get("/grid/report", response_class=HTMLResponse)
async def report_form(
    request: Request, console: ConsoleDep, session: Session = GridWorker
) -> HTMLResponse:
    return _report_page(request, console, session)


@router.post("/grid/report", response_class=HTMLResponse)
async def report_submit(
    request: Request, console: ConsoleDep, session: Session = GridWorker
) -> HTMLResponse:
    form = await request.form()
    fields = _fields(form)
    try:
        body = forms.report_body(
            description=fields.get("description", ""),
            lon=fields.get("lon", ""),
            lat=fields.get("lat", ""),
            address=fields.get("address", ""),
            urgent=fields.get("urgent") == "1",
            photos=_photos(form),
        )
    except forms.FormProblem as problem:
        return _report_page(request, console, session, error=str(problem), values=fields)
    key = fields.get("idempotency_key") or str(uuid.uuid4())
    ticket = await console.upstream.post(
        "intake", "/v1/tickets", session.access_token, body, headers={"Idempotency-Key": key}
    )
    return render(
        request,
        "grid/reported.html",
        session,
        ticket=ticket,
        registered_at=views.county_time(ticket["registered_at"]),
        status=views.ticket_status(ticket["status"]),
        photos=ticket.get("attachments", []),
        area=console.area_name(ticket["location"]["area_code"]),
    )


def _report_page(
    request: Request,
    console: Console,
    session: Session,
    *,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    area = session.principal.area_code
    grids = console.county.grids_in(area)
    places = [p for p in console.county.places if p.grid_code.startswith(area)]
    return render(
        request,
        "grid/report.html",
        session,
        status_code=422 if error else 200,
        map=grid_map(grids, places),
        error=error,
        values=values or {},
        idempotency_key=(values or {}).get("idempotency_key") or str(uuid.uuid4()),
    )


def _fields(form: FormData) -> dict[str, str]:
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _photos(form: FormData) -> list[forms.Photo]:
    def strings(name: str) -> list[str]:
        return [v for v in form.getlist(name) if isinstance(v, str)]

    return forms.photos_from(
        strings("photo_name"), strings("photo_size"), strings("photo_type"), strings("photo_taken")
    )


def _form_problem(request: Request, session: Session, text: str, back: str) -> Response:
    if not is_htmx(request):
        return render(
            request, "shell/message.html", session, status_code=422, title="请补充", text=text
        )
    response = render(
        request, "shell/message_fragment.html", session, status_code=422, title="请补充", text=text
    )
    response.headers["HX-Retarget"] = "#flash"
    response.headers["HX-Reswap"] = "innerHTML"
    return response
