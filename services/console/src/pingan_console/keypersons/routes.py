"""``/keypersons``: the registry for the roles riskassess authorises.

The console does not decide who may see it: it asks riskassess with the user's token, which
answers 403 to anyone else (shown as such) and audits every read it answers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from pingan_console.keypersons.view import CATEGORY_LABELS, STATUS_LABELS, row
from pingan_console.shell.auth import SessionDep
from pingan_console.shell.context import ConsoleDep
from pingan_console.shell.render import render
from pingan_console.upstream import UpstreamError

router = APIRouter(tags=["key persons"])
Filter = Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]*$")]
Cursor = Annotated[str | None, Query(max_length=500)]


@router.get("/keypersons", response_class=HTMLResponse, include_in_schema=False)
async def key_persons(
    request: Request,
    session: SessionDep,
    console: ConsoleDep,
    category: Filter = None,
    status: Filter = None,
    cursor: Cursor = None,
) -> HTMLResponse:
    filters = {"category": category, "status": status}
    context: dict[str, Any] = {
        "filters": filters,
        "categories": CATEGORY_LABELS,
        "statuses": STATUS_LABELS,
    }
    try:
        page = await console.upstream.get(
            "riskassess", "/v1/key-persons", session.access_token,
            category=category, status=status, cursor=cursor, limit=50,
        )  # fmt: skip
    except UpstreamError as refused:
        if refused.status != 403:
            raise
        return render(
            request, "keypersons/page.html", session, status_code=403, refused=refused.detail,
            rows=[], next_cursor=None, **context,
        )  # fmt: skip
    now = datetime.now(UTC)
    rows = [row(person, now, console.area_name) for person in page["items"]]
    return render(
        request, "keypersons/page.html", session, refused=None, rows=rows,
        next_cursor=page.get("next_cursor"), **context,
    )  # fmt: skip
