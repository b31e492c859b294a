"""``/bigscreen``: the command center's wall (指挥大屏), 1920×1080, dark.

The page is drawn on the server with every figure; ``/bigscreen/figures`` answers the same
panels as out-of-band fragments, which the page asks for every 5 s and on each notification
from the stream. ``/ui/bigscreen/map.json`` is the county's township outlines the page
registers with ECharts. Every figure comes from its owning service with the user's token.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from pingan_console.bigscreen import view
from pingan_console.bigscreen.geo import point_of, township_map, township_names
from pingan_console.bigscreen.sources import Period, fetch_all
from pingan_console.sessions.store import Session
from pingan_console.shell.auth import require_roles
from pingan_console.shell.context import Console, ConsoleDep
from pingan_console.shell.render import render

router = APIRouter(tags=["bigscreen"])
Viewers = require_roles("dispatcher", "analyst", "leader", "admin")
POLL_SECONDS = 5


@router.get("/bigscreen", response_class=HTMLResponse, include_in_schema=False)
async def bigscreen(
    request: Request, console: ConsoleDep, session: Session = Viewers
) -> HTMLResponse:
    context = await _figures(console, session)
    return render(request, "bigscreen/page.html", session, poll_seconds=POLL_SECONDS, **context)


@router.get("/bigscreen/figures", response_class=HTMLResponse, include_in_schema=False)
async def bigscreen_figures(
    request: Request, console: ConsoleDep, session: Session = Viewers
) -> HTMLResponse:
    context = await _figures(console, session)
    return render(request, "bigscreen/figures.html", session, **context)


@router.get("/ui/bigscreen/map.json", include_in_schema=False)
async def county_map(console: ConsoleDep, session: Session = Viewers) -> JSONResponse:
    response = JSONResponse(township_map(console.county))
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


async def _figures(console: Console, session: Session) -> dict[str, Any]:
    now = datetime.now(UTC)
    period = Period.at(now)
    sources = await fetch_all(console, session.access_token, period)
    days = [
        period.month_start + timedelta(days=n)
        for n in range((period.today - period.month_start).days + 1)
    ]

    def unit_name(code: str) -> str:
        unit = console.county.unit(code)
        return unit.name if unit else code

    def point(code: str | None, key: str) -> list[float] | None:
        return point_of(console.county, code, key)

    charts = {
        "map": view.map_data(
            sources["kpi_townships_today"],
            sources["tickets_today"],
            sources["open_alerts"],
            township_names(console.county),
            point,
        ),
        "trend": view.trend(sources["calls_by_day"], days),
    }
    return {
        "today": period.today.strftime("%Y年%m月%d日"),
        "updated": view.updated_at(now),
        "rates": view.rate_lines(sources["kpi_today"], sources["kpi_month"]),
        "volumes": view.volumes(sources, period.today),
        "ranking": view.ranking(sources["ranking"]),
        "ranking_problem": sources["ranking"].problem,
        "overdue": view.overdue(sources["queues"], now, unit_name),
        "mediation": view.mediation(sources["mediation"]),
        "risk": view.risk(sources["open_alerts"], sources["risk_month"]),
        "charts_json": json.dumps(charts, ensure_ascii=False, separators=(",", ":")),
    }
