"""``/assessments``: the stability assessments in the user's area, and one assessment.

Read-only here: riskassess decides who may read them (analysts, leaders, admins) and answers
403 to anyone else, which the page shows as such.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from pingan_console.assessments.view import STATE_LABELS, assessment_detail, assessment_row
from pingan_console.sessions.store import Session
from pingan_console.shell.auth import SessionDep
from pingan_console.shell.context import ConsoleDep
from pingan_console.shell.render import render
from pingan_console.upstream import UpstreamError

router = APIRouter(tags=["assessments"])
State = Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]*$")]
Cursor = Annotated[str | None, Query(max_length=500)]
AssessmentId = Annotated[str, Path(pattern=r"^[0-9a-fA-F-]{36}$")]


def _refused(request: Request, session: Session, refused: UpstreamError) -> HTMLResponse:
    if refused.status != 403:
        raise refused
    return render(
        request, "assessments/refused.html", session, status_code=403, refused=refused.detail
    )


@router.get("/assessments", response_class=HTMLResponse, include_in_schema=False)
async def assessments(
    request: Request,
    session: SessionDep,
    console: ConsoleDep,
    state: State = None,
    cursor: Cursor = None,
) -> HTMLResponse:
    try:
        page = await console.upstream.get(
            "riskassess", "/v1/assessments", session.access_token,
            state=state, cursor=cursor, limit=50,
        )  # fmt: skip
    except UpstreamError as refused:
        return _refused(request, session, refused)
    rows = [assessment_row(a, console.area_name) for a in page["items"]]
    return render(
        request, "assessments/list.html", session, rows=rows, state=state,
        states=STATE_LABELS, next_cursor=page.get("next_cursor"),
    )  # fmt: skip


@router.get("/assessments/{assessment_id}", response_class=HTMLResponse, include_in_schema=False)
async def assessment(
    request: Request, assessment_id: AssessmentId, session: SessionDep, console: ConsoleDep
) -> HTMLResponse:
    try:
        found = await console.upstream.get(
            "riskassess", f"/v1/assessments/{assessment_id}", session.access_token
        )
    except UpstreamError as refused:
        return _refused(request, session, refused)
    detail = assessment_detail(found, console.area_name)
    return render(request, "assessments/detail.html", session, a=detail)
