"""View models of the key-person registry: rows of riskassess's answer, labelled."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pingan_console.alerts.labels import LEVEL_LABELS, label
from pingan_console.alerts.view import county_time, parse_time

CATEGORY_LABELS: dict[str, str] = {
    "mental_disorder": "严重精神障碍患者",
    "community_correction": "社区矫正人员",
    "released_prisoner": "刑释人员",
    "drug_user": "吸毒人员",
    "key_petitioner": "重点信访人",
    "key_youth": "重点青少年",
}
STATUS_LABELS: dict[str, str] = {"registered": "在册", "released": "已解除"}


@dataclass(frozen=True)
class KeyPersonRow:
    ref: str
    category: str
    name: str
    address: str
    area_name: str
    case_officer: str
    guardian: str
    status: str
    rating: str
    rating_label: str
    interval: str
    last_visit: str
    next_visit: str
    visit_overdue: bool
    lost_contact: bool


def row(person: Mapping[str, Any], now: datetime, area_name: Callable[[str], str]) -> KeyPersonRow:
    due = parse_time(person.get("next_visit_due_at"))
    return KeyPersonRow(
        ref=str(person["ref"]),
        category=label(CATEGORY_LABELS, person.get("category")),
        name=str(person.get("name") or ""),
        address=str(person.get("address") or "—"),
        area_name=area_name(str(person.get("area_code") or "")),
        case_officer=str(person.get("case_officer") or "—"),
        guardian=str(person.get("guardian") or "—"),
        status=label(STATUS_LABELS, person.get("status")),
        rating=str(person.get("risk_rating") or ""),
        rating_label=label(LEVEL_LABELS, person.get("risk_rating")),
        interval=f"每 {person.get('visit_interval_days')} 天",
        last_visit=county_time(person.get("last_visit_at"), "%Y-%m-%d"),
        next_visit=county_time(due, "%Y-%m-%d"),
        visit_overdue=bool(due and due < now and person.get("status") == "registered"),
        lost_contact=bool(person.get("lost_contact")),
    )
