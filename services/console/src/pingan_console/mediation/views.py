"""What the mediation pages show of a case: Chinese labels, list rows, the case file's facts
and its timeline, in county time. The service decides what may be done (``allowed_actions``)
and how parties are masked; these functions only word it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pingan_common.county_time import COUNTY_TZ

CASE_STATES: dict[str, str] = {
    "registered": "待受理",
    "accepted": "已受理，待指派",
    "mediating": "调解中",
    "agreed": "已达成协议",
    "failed": "调解不成",
    "referred": "已引导分流",
    "closed": "已结案",
    "declined": "不予受理",
    "withdrawn": "已撤回",
}
STATE_FILTERS: tuple[str, ...] = (
    "registered",
    "accepted",
    "mediating",
    "agreed",
    "failed",
    "closed",
)
LEVELS: dict[str, str] = {"village": "村（社区）级", "township": "乡镇（街道）级", "county": "县级"}
SOURCES: dict[str, str] = {
    "ticket": "工单转入",
    "walk_in": "来访登记",
    "court": "法院委派（诉前调解）",
    "police": "公调对接",
    "petition": "信访转办",
    "screening": "排查发现",
    "task": "任务转入",
}
OUTCOMES: dict[str, str] = {
    "performed": "协议已履行",
    "referred": "已引导分流",
    "failed": "调解不成",
    "withdrawn": "已撤回",
    "declined": "不予受理",
}
ACTIONS: dict[str, str] = {
    "accept": "受理",
    "decline": "不予受理",
    "assign": "指派调解员",
    "take-lead": "领导包案",
    "add-party": "添加当事人",
    "schedule-session": "安排调解",
    "record-session": "记录调解（笔录）",
    "record-agreement": "制作调解协议",
    "record-failure": "调解不成",
    "escalate": "提级调解",
    "extend": "延期",
    "refer": "引导分流",
    "record-followup": "履行回访",
    "close": "结案",
    "withdraw": "撤回",
}
HISTORY_ACTIONS: dict[str, str] = {**ACTIONS, "open": "案件登记", "register": "案件登记"}
PARTY_ROLES: dict[str, str] = {
    "applicant": "申请人",
    "respondent": "被申请人",
    "other": "其他当事人",
}
SESSION_STATES: dict[str, str] = {"scheduled": "已安排", "held": "已举行", "cancelled": "已取消"}
SESSION_OUTCOMES: dict[str, str] = {
    "progress": "有进展",
    "adjourned": "休会，择期再调",
    "failed": "调解不成",
}
TERM_STATES: dict[str, str] = {
    "pending": "待履行",
    "performed": "已履行",
    "breached": "未履行",
}
DECLINE_REASONS: dict[str, str] = {
    "in_court": "已诉至法院或申请仲裁",
    "outside_scope": "不属于人民调解范围",
    "already_handled": "已由其他部门处理",
    "other": "其他原因",
}
REFERRAL_ROUTES: dict[str, str] = {
    "litigation": "诉讼",
    "arbitration": "仲裁",
    "administrative": "行政裁决",
}


def county_time(value: str | datetime | None) -> str:
    if value is None or value == "":
        return ""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    if instant.tzinfo is None:
        return str(value)
    return instant.astimezone(COUNTY_TZ).strftime("%Y-%m-%d %H:%M")


def day(value: str | date | None) -> str:
    if not value:
        return ""
    return (date.fromisoformat(value) if isinstance(value, str) else value).isoformat()


def money(value: str | float | None) -> str:
    """¥3,000.00 — or empty when there is no sum."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"¥{amount:,.2f}"


def state_label(state: str) -> str:
    return CASE_STATES.get(state, state)


@dataclass(frozen=True)
class CaseRow:
    id: str
    number: str
    state: str
    state_label: str
    dispute: str
    level: str
    committee: str
    mediator: str
    opened: str
    due: str
    overdue: bool


def case_row(item: dict[str, Any], now: datetime) -> CaseRow:
    due_at = item.get("due_at")
    running = item.get("state") in ("registered", "accepted", "mediating")
    return CaseRow(
        id=str(item["id"]),
        number=item["case_number"],
        state=item["state"],
        state_label=state_label(item["state"]),
        dispute=item.get("dispute_label") or "",
        level=LEVELS.get(item.get("level", ""), item.get("level", "")),
        committee=item.get("committee_name") or "",
        mediator=item.get("leader_name") or item.get("mediator_name") or "未指派",
        opened=county_time(item.get("opened_at")),
        due=county_time(due_at) if running else "",
        overdue=bool(running and due_at and datetime.fromisoformat(due_at) < now),
    )


@dataclass(frozen=True)
class TimelineLine:
    at: str
    label: str
    actor: str
    change: str
    note: str


_NOTE_KEYS = ("reason", "note", "summary", "record", "place", "receiving_body", "facts")


def timeline(entries: list[dict[str, Any]], names: Mapping[str, str]) -> list[TimelineLine]:
    """The case's history, oldest first, with staff named as the county's directory names them."""
    lines = []
    for entry in entries:
        details = entry.get("details") or {}
        before, after = entry.get("from_state") or "", entry.get("to_state") or ""
        change = (
            f"{state_label(before)} → {state_label(after)}" if before and before != after else ""
        )
        note = next((str(details[k]) for k in _NOTE_KEYS if details.get(k)), "")
        if details.get("starts_at"):
            note = f"{note} {county_time(details['starts_at'])}".strip()
        lines.append(
            TimelineLine(
                at=county_time(entry.get("at")),
                label=HISTORY_ACTIONS.get(entry.get("action", ""), entry.get("action", "")),
                actor=names.get(entry.get("actor", ""), entry.get("actor", "")),
                change=change,
                note=note[:200],
            )
        )
    return lines


def has_agreement(case: dict[str, Any]) -> bool:
    """An agreement was recorded: it has terms (the PDF route answers 404 before that)."""
    return bool(case.get("terms"))


def scheduled_sessions(case: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in case.get("sessions", []) if s.get("state") == "scheduled"]


def open_terms(case: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in case.get("terms", []) if t.get("state") != "performed"]
