"""The big screen's view models: the services' answers, picked out, labelled and formatted.

Pure functions over the JSON each service returned (``sources.Fetched``); a source that failed
gives "—" with its reason. Nothing is counted here that a service did not count, except the
length of intake's list of today's tickets, said under the map (exact up to its page size,
else "500+").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pingan_console.alerts.labels import LEVEL_LABELS, LEVELS
from pingan_console.alerts.view import county_time, minutes_text, parse_time
from pingan_console.bigscreen.sources import TICKET_LIMIT, Fetched

DASH = "—"
RATES: tuple[tuple[str, str], ...] = (
    ("response", "响应率"),
    ("resolution", "解决率"),
    ("satisfaction", "满意率"),
    ("on_time", "按时办结率"),
)
LEVEL_COLOURS: dict[str, str] = {
    "red": "#ff4d4f",
    "orange": "#ff9c2b",
    "yellow": "#ffe14d",
    "blue": "#4da3ff",
}
URGENCY_COLOURS: dict[str, str] = {"emergency": "#ff6b6b", "urgent": "#ffb74d"}
TICKET_COLOUR = "#f4fbff"


def percent(value: float | None) -> str:
    return DASH if value is None else f"{value * 100:.1f}%"


def number(value: int | float | None) -> str:
    if value is None:
        return DASH
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


@dataclass(frozen=True)
class Figure:
    """One number on the wall: its text, and why it is "—" when it is."""

    text: str
    note: str = ""

    @classmethod
    def missing(cls, source: Fetched) -> Figure:
        return cls(DASH, source.problem or "")


def _county_row(source: Fetched) -> Mapping[str, Any] | None:
    if not source.ok:
        return None
    rows = source.value.get("rows") or []
    return rows[0] if rows else {}


@dataclass(frozen=True)
class RateLine:
    label: str
    today: Figure
    month: Figure


def _rate(source: Fetched, name: str) -> Figure:
    row = _county_row(source)
    if row is None:
        return Figure.missing(source)
    rate = (row.get("rates") or {}).get(name)
    if not rate:
        return Figure(DASH, "当期无派单")
    note = f"{rate['numerator']}/{rate['denominator']}"
    return Figure(percent(rate.get("value")), note)


def rate_lines(kpi_today: Fetched, kpi_month: Fetched) -> list[RateLine]:
    return [
        RateLine(label, _rate(kpi_today, name), _rate(kpi_month, name)) for name, label in RATES
    ]


def _kpi_count(source: Fetched, field: str) -> Figure:
    row = _county_row(source)
    if row is None:
        return Figure.missing(source)
    return Figure(number(int(row.get(field) or 0)))


def tickets_count(source: Fetched) -> Figure:
    if not source.ok:
        return Figure.missing(source)
    items = source.value.get("items") or []
    if source.value.get("next_cursor"):
        return Figure(f"{TICKET_LIMIT}+")
    return Figure(number(len(items)))


def calls(source: Fetched, day: str | None = None) -> Figure:
    """Calls riskassess counted (by day): one day's, or the whole period's."""
    if not source.ok:
        return Figure.missing(source)
    rows = source.value.get("rows") or []
    total = sum(int(r["calls"]) for r in rows if day is None or r["key"] == day)
    return Figure(number(total))


@dataclass(frozen=True)
class Volumes:
    calls_today: Figure
    calls_month: Figure
    assigned_today: Figure
    assigned_month: Figure
    replied_today: Figure
    replied_month: Figure


def volumes(sources: Mapping[str, Fetched], today: date) -> Volumes:
    return Volumes(
        calls_today=calls(sources["calls_by_day"], today.isoformat()),
        calls_month=calls(sources["calls_by_day"]),
        assigned_today=_kpi_count(sources["kpi_today"], "assigned"),
        assigned_month=_kpi_count(sources["kpi_month"], "assigned"),
        replied_today=_kpi_count(sources["kpi_today"], "replied"),
        replied_month=_kpi_count(sources["kpi_month"], "replied"),
    )


@dataclass(frozen=True)
class RankLine:  # rank None: too few tasks in the period to be ranked (dispatch's rule)
    rank: str
    name: str
    score: str
    response: str
    satisfaction: str
    yellow_card: bool
    reasons: str


def ranking(source: Fetched) -> list[RankLine] | None:
    if not source.ok:
        return None
    lines = []
    for item in source.value.get("townships") or []:
        row = item.get("row") or {}
        rates = row.get("rates") or {}
        lines.append(
            RankLine(
                rank=str(item["rank"]) if item.get("rank") is not None else DASH,
                name=str(row.get("name") or row.get("key") or ""),
                score=DASH if item.get("score") is None else f"{item['score'] * 100:.1f}",
                response=percent((rates.get("response") or {}).get("value")),
                satisfaction=percent((rates.get("satisfaction") or {}).get("value")),
                yellow_card=bool(item.get("yellow_card")),
                reasons="；".join(item.get("reasons") or []),
            )
        )
    return lines


@dataclass(frozen=True)
class OverdueLine:
    ticket_number: str
    category: str
    unit: str
    late_by: str


@dataclass(frozen=True)
class Overdue:
    count: Figure
    lines: list[OverdueLine]


def overdue(source: Fetched, now: datetime, unit_name: Callable[[str], str]) -> Overdue:
    if not source.ok:
        return Overdue(Figure.missing(source), [])
    bucket = source.value.get("overdue") or {}
    lines = []
    for item in bucket.get("items") or []:
        due = parse_time(item.get("due_at"))
        late = int((now - due).total_seconds() // 60) if due else 0
        lines.append(
            OverdueLine(
                ticket_number=str(item.get("ticket_number") or ""),
                category=str(item.get("category_label") or ""),
                unit=unit_name(str(item["unit_code"])) if item.get("unit_code") else "待派单",
                late_by=f"超期 {minutes_text(max(late, 0))}",
            )
        )
    return Overdue(Figure(number(int(bucket.get("count") or 0))), lines)


@dataclass(frozen=True)
class Mediation:
    cases: Figure
    agreements: Figure
    success_rate: Figure
    village_share: Figure
    terms_on_time: Figure
    risk_signals: Figure


def mediation(source: Fetched) -> Mediation:
    if not source.ok:
        missing = Figure.missing(source)
        return Mediation(missing, missing, missing, missing, missing, missing)
    groups = source.value.get("groups") or []
    row: Mapping[str, Any] = groups[0] if groups else {}
    return Mediation(
        cases=Figure(number(int(row.get("cases") or 0))),
        agreements=Figure(number(int(row.get("agreements") or 0))),
        success_rate=Figure(percent(row.get("success_rate"))),
        village_share=Figure(percent(row.get("village_share"))),
        terms_on_time=Figure(percent(row.get("terms_on_time_rate"))),
        risk_signals=Figure(number(int(row.get("risk_signals") or 0))),
    )


@dataclass(frozen=True)
class LevelCount:
    level: str
    label: str
    count: Figure


@dataclass(frozen=True)
class Risk:
    open_by_level: list[LevelCount]
    alerts_month: Figure
    acknowledged_in_time: Figure
    minutes_to_acknowledge: Figure
    false_alarm_rate: Figure
    escalations: Figure
    visits_overdue: Figure


def open_by_level(source: Fetched) -> list[LevelCount]:
    if not source.ok:
        return [LevelCount(lv, LEVEL_LABELS[lv], Figure.missing(source)) for lv in LEVELS]
    alerts, complete = source.value
    counts = {level: 0 for level in LEVELS}
    for alert in alerts:
        counts[alert["level"]] = counts.get(alert["level"], 0) + 1
    suffix = "" if complete else "+"
    return [LevelCount(lv, LEVEL_LABELS[lv], Figure(f"{counts[lv]}{suffix}")) for lv in LEVELS]


def risk(open_alerts: Fetched, measures: Fetched) -> Risk:
    levels = open_by_level(open_alerts)
    if not measures.ok:
        missing = Figure.missing(measures)
        return Risk(levels, missing, missing, missing, missing, missing, missing)
    m = measures.value
    to_ack = m.get("median_minutes_to_acknowledge")
    return Risk(
        open_by_level=levels,
        alerts_month=Figure(number(int(m.get("alerts") or 0))),
        acknowledged_in_time=Figure(percent(m.get("acknowledged_in_time_rate"))),
        minutes_to_acknowledge=Figure(DASH if to_ack is None else f"{to_ack:.0f} 分钟"),
        false_alarm_rate=Figure(percent(m.get("false_alarm_rate"))),
        escalations=Figure(number(int(m.get("escalations") or 0))),
        visits_overdue=Figure(number(int(m.get("key_persons_visit_overdue") or 0))),
    )


Point = Callable[[str | None, str], list[float] | None]


def map_data(
    townships_today: Fetched,
    tickets_today: Fetched,
    alerts: Fetched,
    township_names: Mapping[str, str],
    point: Point,
) -> dict[str, Any]:
    """What the county map draws: each township with today's 派单 (dispatch), today's tickets
    (intake) at their grid, and the open alerts (riskassess) in their colour."""
    assigned = {}
    if townships_today.ok:
        assigned = {r["key"]: int(r.get("assigned") or 0) for r in townships_today.value["rows"]}
    townships = [
        {"name": name, "value": assigned.get(code, 0) if townships_today.ok else None}
        for code, name in township_names.items()
    ]
    tickets = []
    if tickets_today.ok:
        for t in tickets_today.value.get("items") or []:
            where = point(t.get("grid_code") or t.get("township_code"), str(t["id"]))
            if where is None:
                continue
            colour = URGENCY_COLOURS.get(str(t.get("urgency")), TICKET_COLOUR)
            category = (t.get("category") or {}).get("label") or ""
            tickets.append(
                {"name": f"{t['ticket_number']} {category}", "value": where, "colour": colour}
            )
    alert_points = []
    if alerts.ok:
        for a in alerts.value[0]:
            where = point(a.get("area_code"), str(a["id"]))
            if where is None:
                continue
            level = str(a["level"])
            summary = str(a.get("summary") or "")[:40]
            alert_points.append(
                {
                    "name": f"{LEVEL_LABELS.get(level, level)}预警 {summary}",
                    "value": where,
                    "colour": LEVEL_COLOURS.get(level, "#ffffff"),
                    "level": level,
                }
            )
    return {
        "tickets_total": tickets_count(tickets_today).text,
        "townships": townships,
        "townships_note": "" if townships_today.ok else townships_today.problem,
        "tickets": tickets,
        "alerts": alert_points,
        "note": map_note(tickets_today, tickets, alerts, alert_points, townships_today),
    }


def map_note(
    tickets_today: Fetched,
    drawn_tickets: Sequence[Any],
    alerts: Fetched,
    drawn_alerts: Sequence[Any],
    townships_today: Fetched,
) -> str:
    """The line under the map; a service that did not answer is "—" with its reason, never a
    count of the points the map could not draw."""
    if tickets_today.ok:
        total = tickets_count(tickets_today).text
        tickets = f"今日受理 {total} 件（已定位上图 {len(drawn_tickets)} 件）"
    else:
        tickets = f"今日受理 {DASH}（{tickets_today.problem}）"
    if alerts.ok:
        open_alerts = f"未关闭预警 {len(drawn_alerts)} 条"
    else:
        open_alerts = f"未关闭预警 {DASH}（{alerts.problem}）"
    parts = [tickets, open_alerts]
    if not townships_today.ok:
        parts.append(f"乡镇派单：{townships_today.problem}")
    return " · ".join(parts)


def trend(calls_by_day: Fetched, days: Sequence[date]) -> dict[str, Any]:
    """Calls per county day of the period (riskassess; a day it lists no row for had none),
    for the line chart; no calls at all → the page shows 暂无数据."""
    if not calls_by_day.ok:
        return {"days": [], "calls": [], "note": calls_by_day.problem}
    rows: Sequence[Mapping[str, Any]] = calls_by_day.value.get("rows") or []
    counted = {str(r["key"]): int(r["calls"]) for r in rows}
    if not counted:
        return {"days": [], "calls": [], "note": "本月暂无来电"}
    return {
        "days": [day.strftime("%m-%d") for day in days],
        "calls": [counted.get(day.isoformat(), 0) for day in days],
        "note": "",
    }


def updated_at(now: datetime) -> str:
    return county_time(now, "%H:%M:%S")
