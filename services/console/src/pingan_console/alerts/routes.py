"""``/alerts``: the alert board by colour, an alert's panel, and its lifecycle actions.

The board is riskassess's open alerts (the user's token, so its area rules apply); an alert's
panel shows its signals with their evidence, its history and exactly its ``allowed_actions``.
Actions are sent with ``If-Match`` (the version the panel showed); a 412 reloads the panel.
The board refreshes on every notification from the stream (alerts notify analysts and leaders
in-app) and polls every 10 s as a fallback.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from pingan_console.alerts.fetch import alert_detail, open_alerts, staff_namer
from pingan_console.alerts.view import (
    ACTIONS,
    AlertPanel,
    Board,
    action_body,
    board,
    if_match,
    panel,
)
from pingan_console.sessions.store import Session
from pingan_console.shell.auth import require_roles
from pingan_console.shell.context import Console, ConsoleDep
from pingan_console.shell.render import render
from pingan_console.upstream import UpstreamError

router = APIRouter(tags=["alerts"])

Analysts = require_roles("analyst", "leader", "admin")
AlertId = Annotated[str, Path(pattern=r"^[0-9a-fA-F-]{36}$")]
ActionName = Annotated[str, Path(pattern=r"^[a-z-]{3,32}$")]
CHANGED_EVENT = "pingan:alerts-changed"
# Refusals the panel explains in place; other errors go to the page's message area.
PANEL_ERRORS = {409: "该预警的状态已变化", 412: "该预警已被他人更新", 422: "填写的内容未通过校验"}


@router.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
async def alerts_page(
    request: Request, console: ConsoleDep, session: Session = Analysts, alert: str | None = None
) -> HTMLResponse:
    the_board = await _board(console, session)
    selected = await _panel(console, session, alert) if alert else None
    return render(request, "alerts/page.html", session, board=the_board, panel=selected)


@router.get("/alerts/board", response_class=HTMLResponse, include_in_schema=False)
async def alerts_board(
    request: Request, console: ConsoleDep, session: Session = Analysts
) -> HTMLResponse:
    return render(request, "alerts/board.html", session, board=await _board(console, session))


@router.get("/alerts/{alert_id}/panel", response_class=HTMLResponse, include_in_schema=False)
async def alert_panel(
    request: Request, alert_id: AlertId, console: ConsoleDep, session: Session = Analysts
) -> HTMLResponse:
    the_panel = await _panel(console, session, alert_id)
    return render(request, "alerts/panel.html", session, panel=the_panel)


@router.post("/alerts/{alert_id}/{action}", response_class=HTMLResponse, include_in_schema=False)
async def alert_action(
    request: Request,
    alert_id: AlertId,
    action: ActionName,
    console: ConsoleDep,
    session: Session = Analysts,
) -> HTMLResponse:
    if action not in ACTIONS:
        raise UpstreamError(404, "没有这个操作")
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    headers = {"If-Match": if_match(int(form["version"]))} if form.get("version") else None
    notice = None
    try:
        await console.upstream.post(
            "riskassess",
            f"/v1/alerts/{alert_id}/{action}",
            session.access_token,
            action_body(action, form),
            headers=headers,
        )
    except UpstreamError as refused:
        if refused.status not in PANEL_ERRORS:
            raise
        notice = f"{PANEL_ERRORS[refused.status]}：{refused.detail}"
    the_panel = await _panel(console, session, alert_id)
    response = render(
        request, "alerts/panel.html", session, panel=the_panel, notice=notice,
        done=None if notice else the_panel.action_labels.get(action, action),
    )  # fmt: skip
    response.headers["HX-Trigger"] = CHANGED_EVENT
    return response


async def _board(console: Console, session: Session) -> Board:
    alerts, complete = await open_alerts(console, session.access_token)
    return board(alerts, datetime.now(UTC), console.area_name, complete=complete)


async def _panel(console: Console, session: Session, alert_id: str) -> AlertPanel:
    detail = await alert_detail(console, session.access_token, alert_id)
    return panel(detail, datetime.now(UTC), console.area_name, staff_namer(console))
