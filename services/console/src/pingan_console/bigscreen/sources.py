"""Every figure of the big screen, asked of the service that owns it, side by side.

Each source is one REST call with the user's own token. A source that fails gives no value
and a reason (无权查看 for a 403, else 暂不可用); the page then shows "—", never a number of
its own making.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from pingan_common.county_time import COUNTY_TZ
from pingan_console.alerts.fetch import open_alerts
from pingan_console.shell.context import Console
from pingan_console.upstream import UpstreamError

TICKET_LIMIT = 500  # intake's page maximum: today's tickets on the map and their count
OVERDUE_ITEMS = 8


@dataclass(frozen=True)
class Fetched:
    value: Any = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


async def _guard(call: Awaitable[Any]) -> Fetched:
    try:
        return Fetched(await call)
    except UpstreamError as error:
        if error.status == 401:
            raise  # the session's token is no longer accepted: sign in again
        return Fetched(problem="无权查看" if error.status == 403 else "暂不可用")


@dataclass(frozen=True)
class Period:
    today: date
    month_start: date

    @classmethod
    def at(cls, now: datetime) -> Period:
        today = now.astimezone(COUNTY_TZ).date()
        return cls(today=today, month_start=today.replace(day=1))

    @property
    def today_start(self) -> str:
        return datetime.combine(self.today, time.min, COUNTY_TZ).isoformat()


async def fetch_all(console: Console, token: str, period: Period) -> dict[str, Fetched]:
    up = console.upstream
    today = {"from": period.today.isoformat(), "to": period.today.isoformat()}
    month = {"from": period.month_start.isoformat(), "to": period.today.isoformat()}
    calls: dict[str, Awaitable[Any]] = {
        "kpi_today": up.get("dispatch", "/v1/kpis", token, by="county", **today),
        "kpi_month": up.get("dispatch", "/v1/kpis", token, by="county", **month),
        "kpi_townships_today": up.get("dispatch", "/v1/kpis", token, by="township", **today),
        "ranking": up.get("dispatch", "/v1/kpis/ranking", token, **month),
        "queues": up.get("dispatch", "/v1/queues/dispatcher", token, limit=OVERDUE_ITEMS),
        "tickets_today": up.get(
            "intake", "/v1/tickets", token, limit=TICKET_LIMIT, **{"from": period.today_start}
        ),
        "mediation": up.get("mediation", "/v1/measures", token, group_by="county", **month),
        "risk_month": up.get("riskassess", "/v1/analysis/measures", token, **month),
        "calls_by_day": up.get("riskassess", "/v1/analysis/counts", token, by="day", **month),
        "open_alerts": open_alerts(console, token),
    }
    results = await asyncio.gather(*(_guard(call) for call in calls.values()))
    return dict(zip(calls, results, strict=True))
