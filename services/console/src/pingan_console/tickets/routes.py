"""Ticket search (工单查询) and one ticket with its timeline; the search's CSV export.

Everything is read from intake with the user's own token: intake limits the search to the
user's area, masks the callers, and audits a search by phone (which it allows operators and
dispatchers only, with a reason the console gives).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from pingan_common.events.values import GROUP_LABELS
from pingan_console.operator.view_models import banners_of
from pingan_console.sessions.store import Session
from pingan_console.shell.auth import require_roles
from pingan_console.shell.context import Console, ConsoleDep
from pingan_console.shell.render import render
from pingan_console.tickets.catalog import grouped, load_subcategories
from pingan_console.tickets.formatting import (
    STATUS_LABELS,
    URGENCY_LABELS,
    category_text,
    county_time,
    detail_facts,
    label,
    status_text,
    timeline_rows,
)
from pingan_console.tickets.search import (
    PAGE_SIZE,
    BadSearch,
    SearchForm,
    form_query,
    intake_params,
    is_ticket_number,
    page_size,
)
from pingan_console.upstream import UpstreamError, UpstreamUnavailable

router = APIRouter(tags=["tickets"])
Reader = require_roles("operator", "dispatcher", "leader", "admin")
TicketRef = Annotated[str, Path(pattern=r"^[A-Za-z0-9\-]{1,64}$")]
PHONE_SEARCH_ROLES = frozenset({"operator", "dispatcher"})


@router.get("/tickets", response_class=HTMLResponse, include_in_schema=False)
async def search(request: Request, console: ConsoleDep, session: Session = Reader) -> HTMLResponse:
    form = SearchForm.of(dict(request.query_params))
    cursor = request.query_params.get("cursor", "")
    limit = page_size(request.query_params.get("limit", ""))
    paging = {"limit": str(limit)} if limit != PAGE_SIZE else {}
    items: list[dict[str, Any]] = []
    next_cursor = None
    error = None
    try:
        if form.number:
            items = await _by_number(console, session, form.number)
        else:
            page = await console.upstream.get(
                "intake",
                "/v1/tickets",
                session.access_token,
                **intake_params(form, cursor=cursor, limit=limit),
            )
            items, next_cursor = page["items"], page.get("next_cursor")
    except BadSearch as bad:
        error = str(bad)
    except UpstreamError as exc:
        if exc.status not in (400, 403, 422):
            raise
        error = _search_error(exc)
    return render(
        request,
        "tickets/search.html",
        session,
        form=form,
        rows=[_row(item, console.area_name) for item in items],
        error=error,
        first_page=bool(cursor),
        next_link=f"/tickets?{form_query(form, cursor=next_cursor, **paging)}"
        if next_cursor
        else None,
        first_link=f"/tickets?{form_query(form, **paging)}",
        csv_link=f"/tickets/export.csv?{form_query(form)}",
        statuses=STATUS_LABELS,
        group_labels={str(group): text for group, text in GROUP_LABELS.items()},
        groups=grouped(await load_subcategories(console.upstream)),
        may_search_phone=bool(session.principal.roles & PHONE_SEARCH_ROLES),
    )


@router.get("/tickets/export.csv", include_in_schema=False)
async def export_csv(
    request: Request, console: ConsoleDep, session: Session = Reader
) -> StreamingResponse:
    """intake's CSV of the same search (masked, streamed through as it comes)."""
    form = SearchForm.of(dict(request.query_params))
    try:
        params = intake_params(form)
    except BadSearch as bad:
        raise UpstreamError(422, str(bad)) from None
    params.pop("limit", None)
    http = console.upstream.http
    upstream_request = http.build_request(
        "GET",
        console.upstream.url("intake", "/v1/tickets.csv"),
        params=params,
        headers={"Authorization": f"Bearer {session.access_token}"},
    )
    try:
        reply = await http.send(upstream_request, stream=True)
    except httpx.HTTPError as exc:
        raise UpstreamUnavailable("intake") from exc
    if reply.status_code >= 400:
        await reply.aread()
        await reply.aclose()
        body = reply.json() if reply.content else {}
        raise UpstreamError(reply.status_code, str(body.get("detail") or "导出失败"), body)
    return StreamingResponse(
        _chunks(reply),
        media_type=reply.headers.get("content-type", "text/csv; charset=utf-8"),
        headers={"Content-Disposition": 'attachment; filename="tickets.csv"'},
    )


async def _chunks(reply: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in reply.aiter_bytes():
            yield chunk
    finally:
        await reply.aclose()


@router.get("/tickets/{ticket_ref}", response_class=HTMLResponse, include_in_schema=False)
async def detail(
    request: Request, ticket_ref: TicketRef, console: ConsoleDep, session: Session = Reader
) -> HTMLResponse:
    token = session.access_token
    ticket = await console.upstream.get("intake", f"/v1/tickets/{ticket_ref}", token)
    callers = None
    if ticket.get("merged_into") or int(ticket.get("caller_count") or 1) > 1:
        callers = await console.upstream.get("intake", f"/v1/tickets/{ticket['id']}/callers", token)
    return render(
        request,
        "tickets/detail.html",
        session,
        ticket=ticket,
        banners=banners_of(ticket),
        callers=callers,
        timeline=timeline_rows(ticket.get("timeline", []), _unit_namer(console)),
        facts=detail_facts(ticket, console.area_name),
        county_time=county_time,
        status_text=status_text,
    )


async def _by_number(console: Any, session: Session, number: str) -> list[dict[str, Any]]:
    if not is_ticket_number(number):
        raise BadSearch("工单号格式应为 QS 加数字，如 QS20261202000021")
    try:
        ticket = await console.upstream.get("intake", f"/v1/tickets/{number}", session.access_token)
    except UpstreamError as exc:
        if exc.status == 404:
            return []
        raise
    return [ticket]


def _row(item: dict[str, Any], area_name: Callable[[str], str]) -> dict[str, Any]:
    location = item.get("location") or {}
    return {
        "id": item["id"],
        "number": item["ticket_number"],
        "registered_at": county_time(item.get("registered_at")),
        "category": category_text(item["category"]),
        "urgency": label(URGENCY_LABELS, item.get("urgency")),
        "status": status_text(item),
        "phone": item.get("caller_phone") or (item.get("caller") or {}).get("phone") or "—",
        "area": area_name(item.get("area_code") or location.get("area_code") or ""),
        "merged": bool(item.get("master_ticket_id")),
        "callers": int(item.get("caller_count") or 1),
        "repeat_flag": item.get("repeat_flag"),
    }


def _search_error(exc: UpstreamError) -> str:
    if exc.status == 403:
        return "无权按此条件查询（按来电号码查询仅限话务员和派单员）"
    if exc.body and isinstance(exc.body, dict) and exc.body.get("errors"):
        fields = "、".join(
            str(e.get("field", "")).removeprefix("query.") for e in exc.body["errors"]
        )
        return f"查询条件有误：{fields}"
    return f"查询条件有误：{exc.detail}"


def _unit_namer(console: Console) -> Callable[[str], str | None]:
    def name(code: str) -> str | None:
        unit = console.county.unit(code)
        return unit.name if unit else None

    return name
