"""调解员 pages: the case list (by state), the case file with its allowed actions, and the
agreement PDF passed through from the mediation service with the user's own token.

Leaders and admins may look too; what each sees and may do is the service's answer (its area
rules, its masking of the parties, its ``allowed_actions``), never the console's.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pingan_common.county_time import COUNTY_TZ
from pingan_console.mediation import forms, views
from pingan_console.sessions.store import Session
from pingan_console.shell.auth import require_roles
from pingan_console.shell.context import Console, ConsoleDep
from pingan_console.shell.render import is_htmx, render

router = APIRouter(tags=["mediation"])
CaseStaff = require_roles("mediator", "leader", "admin")
PAGE_SIZE = 20


@router.get("/mediation", response_class=HTMLResponse)
async def case_list(
    request: Request, console: ConsoleDep, session: Session = CaseStaff
) -> HTMLResponse:
    query = request.query_params
    state = query.get("state") or None
    state = state if state in views.CASE_STATES else None
    mine = query.get("mine") == "1"
    cursor = query.get("cursor") or None
    page = await console.upstream.get(
        "mediation",
        "/v1/cases",
        session.access_token,
        state=state,
        mediator_id=session.principal.subject if mine else None,
        cursor=cursor,
        limit=PAGE_SIZE,
    )
    now = datetime.now(UTC)
    template = "mediation/rows.html" if is_htmx(request) else "mediation/list.html"
    return render(
        request,
        template,
        session,
        rows=[views.case_row(item, now) for item in page["items"]],
        next_cursor=page.get("next_cursor"),
        state=state or "",
        mine=mine,
        paged=cursor is not None,
        filters=[(s, views.CASE_STATES[s]) for s in views.STATE_FILTERS],
    )


@router.get("/mediation/cases/{case_id}", response_class=HTMLResponse)
async def case_file(
    case_id: uuid.UUID, request: Request, console: ConsoleDep, session: Session = CaseStaff
) -> HTMLResponse:
    case = await console.upstream.get("mediation", f"/v1/cases/{case_id}", session.access_token)
    context = await _case_context(console, session, case)
    return render(request, "mediation/case.html", session, **context)


@router.post("/mediation/cases/{case_id}/{action}", response_model=None)
async def case_action(
    case_id: uuid.UUID,
    action: str,
    request: Request,
    console: ConsoleDep,
    session: Session = CaseStaff,
) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        body = forms.action_body(action, form)
    except forms.FormProblem as problem:
        return _problem(request, session, str(problem))
    version = form.get("version", "")
    # The case page acted on this version: a case changed meanwhile answers 412, not a surprise.
    case = await console.upstream.post(
        "mediation",
        f"/v1/cases/{case_id}/{action}",
        session.access_token,
        body,
        headers={"If-Match": f'W/"{version}"'} if version.isdigit() else None,
    )
    if not is_htmx(request):
        return RedirectResponse(f"/mediation/cases/{case_id}", status_code=303)
    context = await _case_context(console, session, case)
    done = f"已{views.ACTIONS.get(action, action)}"
    return render(request, "mediation/case_body.html", session, done=done, **context)


@router.get("/mediation/cases/{case_id}/agreement.pdf", response_model=None)
async def agreement_pdf(
    case_id: uuid.UUID, console: ConsoleDep, session: Session = CaseStaff
) -> Response:
    upstream = await console.upstream.request(
        "mediation", "GET", f"/v1/cases/{case_id}/agreement.pdf", session.access_token
    )
    filename = agreement_filename(upstream.headers.get("content-disposition", ""), case_id)
    return Response(
        upstream.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def agreement_filename(disposition: str, case_id: uuid.UUID) -> str:
    """The service's file name (TJ…-agreement.pdf) if it gave a plain one, else one of ours."""
    marker = 'filename="'
    if marker in disposition:
        name = disposition.split(marker, 1)[1].split('"', 1)[0]
        if name and all(c.isalnum() or c in "-_." for c in name):
            return name
    return f"case-{case_id}-agreement.pdf"


async def _case_context(console: Console, session: Session, case: dict[str, Any]) -> dict[str, Any]:
    allowed = case["allowed_actions"]
    mediators: list[dict[str, Any]] = []
    if "assign" in allowed:
        listing = await console.upstream.get(
            "mediation",
            "/v1/mediators",
            session.access_token,
            unit_code=case["committee_code"],
        )
        mediators = listing["items"]
    names = {"system": "系统"} | {m.username: m.display_name for m in console.county.staff}
    names |= {m["id"]: m["name"] for m in mediators}
    now = datetime.now(UTC)
    return {
        "case": case,
        "row": views.case_row(case, now),
        "source": views.SOURCES.get(case["source"], case["source"]),
        "outcome": views.OUTCOMES.get(case.get("outcome") or "", case.get("outcome") or ""),
        "area": console.area_name(case["area_code"]),
        "amount": views.money(case.get("amount")),
        "accepted_at": views.county_time(case.get("accepted_at")),
        "confirmation_due": views.day(case.get("confirmation_due_on")),
        "timeline": views.timeline(case.get("timeline", []), names),
        "actions": [a for a in allowed if a in views.ACTIONS],
        "has_agreement": views.has_agreement(case),
        # The service shows parties in full to those it also gives the PDF to (the agreement
        # names them in full); masked parties mean its PDF route would refuse.
        "parties_masked": any(p["masked"] for p in case.get("parties", [])),
        "scheduled": views.scheduled_sessions(case),
        "open_terms": views.open_terms(case),
        "mediators": mediators,
        "term_rows": forms.term_rows(),
        "v": views,
        "today": datetime.now(COUNTY_TZ).date().isoformat(),
    }


def _problem(request: Request, session: Session, text: str) -> Response:
    template = "shell/message_fragment.html" if is_htmx(request) else "shell/message.html"
    response = render(request, template, session, status_code=422, title="请补充", text=text)
    if is_htmx(request):
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
    return response
