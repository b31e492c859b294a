"""What the grid pages show of dispatch's tasks: labels, rows and times in county time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pingan_common.county_time import COUNTY_TZ

TASK_STATES: dict[str, str] = {
    "created": "待派单",
    "assigned": "待签收",
    "accepted": "办理中",
    "in_progress": "办理中（退回重办）",
    "replied": "已回复，待审核",
    "reviewed": "已审核",
    "returned": "已退单",
    "closed": "已办结",
    "cancelled": "已撤销",
    "to_mediation": "已转调解",
}
TASK_ACTIONS: dict[str, str] = {
    "accept": "签收",
    "reply": "办结回复",
    "return": "退单",
    "request-extension": "申请延期",
}
DONE: dict[str, str] = {
    "accept": "已签收",
    "reply": "已提交回复",
    "return": "已退单",
    "request-extension": "已提交延期申请",
}
HISTORY_ACTIONS: dict[str, str] = {
    "create": "生成任务",
    "assign": "派单",
    "accept": "签收",
    "return": "退单",
    "reassign": "改派",
    "request-extension": "申请延期",
    "decide-extension": "延期审批",
    "reply": "办结回复",
    "review": "审核",
    "callback": "回访",
    "reopen": "重办",
    "flag": "挂牌督办",
    "cancel": "撤销",
    "supplement": "来电补充",
    "convert-to-case": "转调解",
}
RETURN_REASONS: dict[str, str] = {
    "not_our_remit": "不属本网格职责",
    "wrong_area": "不在本网格",
    "insufficient_info": "信息不足",
    "duplicate": "重复任务",
    "other": "其他",
}
# What a 核查 reply says, in the words riskassess reads as a finding (signals/rules.json).
FINDINGS: dict[str, str] = {
    "confirmed": "核查属实",
    "false_alarm": "情况不实",
    "unclear": "",
}
URGENCY: dict[str, str] = {"urgent": "紧急", "normal": "一般"}


def county_time(value: str | datetime | None, *, with_year: bool = False) -> str:
    """An instant as the county reads it: 11-23 10:02 (with the year when asked)."""
    if value is None or value == "":
        return ""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    if instant.tzinfo is None:
        return str(value)
    return instant.astimezone(COUNTY_TZ).strftime("%Y-%m-%d %H:%M" if with_year else "%m-%d %H:%M")


def kind_label(kind: str, summary: str) -> str:
    """核查 for riskassess's verification tasks — 走访 when it asks for a key-person visit (its
    overdue-visit alerts say 走访 in the summary); 工单 for tickets routed to the grid."""
    if kind == "verification":
        return "走访" if "走访" in summary else "核查"
    return "工单"


@dataclass(frozen=True)
class TaskRow:
    id: str
    number: str
    kind: str
    kind_label: str
    state_label: str
    summary: str
    urgent: bool
    due: str
    overdue: bool


def task_row(item: dict[str, Any], now: datetime) -> TaskRow:
    due_at = item.get("due_at")
    overdue = bool(
        due_at
        and item.get("state") in ("assigned", "accepted", "in_progress")
        and datetime.fromisoformat(due_at) < now
    )
    summary = item.get("summary") or ""
    return TaskRow(
        id=str(item["id"]),
        number=item.get("ticket_number") or "",
        kind=item.get("kind") or "ticket",
        kind_label=kind_label(item.get("kind") or "ticket", summary),
        state_label=TASK_STATES.get(item.get("state", ""), item.get("state", "")),
        summary=summary,
        urgent=item.get("urgency") == "urgent",
        due=county_time(due_at),
        overdue=overdue,
    )


@dataclass(frozen=True)
class HistoryLine:
    at: str
    label: str
    note: str


def history_lines(history: list[dict[str, Any]]) -> list[HistoryLine]:
    """The task's timeline, newest first (a phone shows what just happened at the top)."""
    lines = []
    for entry in history:
        details = entry.get("details") or {}
        note = next(
            (
                str(details[k])
                for k in ("result", "reason", "comment", "supplement")
                if details.get(k)
            ),
            "",
        )
        lines.append(
            HistoryLine(
                at=county_time(entry.get("at")),
                label=HISTORY_ACTIONS.get(entry.get("action", ""), entry.get("action", "")),
                note=note,
            )
        )
    return list(reversed(lines))


def reply_text(finding: str, result: str) -> str:
    """A 核查 reply starts with the finding's words, so riskassess can read it without guessing."""
    words = FINDINGS.get(finding, "")
    result = result.strip()
    if not words:
        return result
    return f"{words}：{result}" if result else words


TICKET_STATUSES: dict[str, str] = {
    "registered": "已登记",
    "dispatched": "已派单",
    "in_progress": "办理中",
    "replied": "已回复",
    "mediating": "调解中",
    "closed": "已办结",
    "merged": "已并单",
    "retracted": "已撤单",
    "answered": "已答复",
}


def ticket_status(status: str) -> str:
    return TICKET_STATUSES.get(status, status)
