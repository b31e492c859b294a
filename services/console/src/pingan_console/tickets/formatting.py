"""How ticket values read on a page: Chinese labels, county time, the timeline.

Plain functions over the services' JSON, shared by the operator's call form and the ticket
pages; nothing here unmasks or widens what intake answered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pingan_common.county_time import county_datetime
from pingan_common.events.values import group_label

URGENCY_LABELS = {"urgent": "紧急", "normal": "一般"}
DISPOSITION_LABELS = {
    "task": "派单办理",
    "mediation": "矛盾调解",
    "risk": "风险研判",
    "police_transfer": "转110",
    "answer": "直接答复",
}
RISK_LABELS = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}
STATUS_LABELS = {
    "registered": "已登记",
    "mediating": "调解中",
    "dispatched": "已派单",
    "in_progress": "办理中",
    "replied": "已回复",
    "closed": "已办结",
    "merged": "已并单",
}
RESOLUTION_LABELS = {"answered": "直接答复", "retracted": "来电人撤单", "merged": "并入主单"}
CHANNEL_LABELS = {
    "hotline_12345": "12345热线",
    "police_110": "110转办",
    "grid_report": "网格上报",
    "web": "网站",
    "third_party": "第三方系统",
    "open311": "Open311",
}
SERVICE_LABELS = {
    "intake": "受理",
    "dispatch": "派单",
    "mediation": "调解",
    "riskassess": "研判",
    "notify": "通知",
}
FINISHED_STATUSES = frozenset({"closed", "merged"})


def label(labels: dict[str, str], value: str | None, empty: str = "—") -> str:
    if not value:
        return empty
    return labels.get(value, value)


def category_text(category: dict[str, Any]) -> str:
    """群组 / 小类, e.g. 安全隐患 / 燃气泄漏."""
    group = group_label(category.get("group") or "")
    sub = category.get("label")
    return f"{group} / {sub}" if sub and sub != group else group


def parse_instant(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def county_time(value: str | datetime | None, *, seconds: bool = False) -> str:
    """An instant as county wall-clock time, 2026-12-02 15:19."""
    instant = parse_instant(value) if isinstance(value, str) else value
    if instant is None:
        return "—"
    return county_datetime(instant).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class TimelineRow:
    at: str
    service: str
    step: str
    summary: str


# A unit's directory code as notify's lines name a recipient: 331199001003-CWH, 331199-D-CG.
UNIT_CODE = re.compile(r"(?<![\w-])\d{6,14}(?:-[A-Z]{1,4})+(?![\w-])")


def with_unit_names(text: str, unit_name: Callable[[str], str | None]) -> str:
    """The text with each unit code the county knows replaced by the unit's name."""
    return UNIT_CODE.sub(lambda match: unit_name(match.group()) or match.group(), text)


def timeline_rows(
    entries: list[dict[str, Any]], unit_name: Callable[[str], str | None] = lambda code: None
) -> list[TimelineRow]:
    """The ticket's timeline, oldest first, as intake keeps it; units named, not coded."""
    ordered = sorted(entries, key=lambda entry: entry.get("at") or "")
    return [
        TimelineRow(
            at=county_time(entry.get("at"), seconds=True),
            service=label(SERVICE_LABELS, entry.get("service")),
            step=entry.get("step") or "",
            summary=with_unit_names(entry.get("summary") or entry.get("step") or "", unit_name),
        )
        for entry in ordered
    ]


def is_finished(ticket: dict[str, Any]) -> bool:
    return ticket.get("status") in FINISHED_STATUSES or ticket.get("closed_at") is not None


def status_text(ticket: dict[str, Any]) -> str:
    text = label(STATUS_LABELS, ticket.get("status"))
    resolution = ticket.get("resolution")
    if resolution and resolution in RESOLUTION_LABELS and ticket.get("status") == "closed":
        return f"{text}（{RESOLUTION_LABELS[resolution]}）"
    return text


def detail_facts(ticket: dict[str, Any], area_name: Callable[[str], str]) -> list[tuple[str, str]]:
    """The ticket's facts for its page, as intake answered them (the caller masked)."""
    location = ticket.get("location") or {}
    caller = ticket.get("caller") or {}
    area = area_name(location.get("area_code") or "")
    dispositions = ticket.get("dispositions") or [ticket.get("disposition")]
    return [
        ("工单号", ticket["ticket_number"]),
        ("状态", status_text(ticket)),
        ("渠道", label(CHANNEL_LABELS, ticket.get("channel"))),
        ("分类", category_text(ticket.get("category") or {})),
        ("紧急程度", label(URGENCY_LABELS, ticket.get("urgency"))),
        ("处置方式", "、".join(label(DISPOSITION_LABELS, d) for d in dispositions if d) or "—"),
        ("风险等级", label(RISK_LABELS, ticket.get("risk_level"))),
        ("来电人", " ".join(v for v in (caller.get("name"), caller.get("phone")) if v) or "—"),
        ("地址", location.get("address") or "—"),
        ("所属区域", area + ("" if location.get("resolved") else "（待定位）")),
        ("来电时间", county_time(ticket.get("reported_at"))),
        ("登记时间", county_time(ticket.get("registered_at"))),
        ("办结时间", county_time(ticket.get("closed_at")) if ticket.get("closed_at") else "—"),
    ]
