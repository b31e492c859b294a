"""What a notification says: template variables from events, pure functions.

Each function returns every variable any channel's template for that message may use; the
renderer keeps those its template declares (the SMS texts are shorter than the in-app ones).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

# Staff read deadlines on the county's clock, whatever zone the event carries.
COUNTY_TIMEZONE = ZoneInfo("Asia/Shanghai")
LEVEL_LABELS = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}
URGENT_ALERT_LEVELS = frozenset({"red", "orange"})
UNKNOWN_DATE = "待定"


def county_time(moment: datetime | None) -> str:
    if moment is None:
        return UNKNOWN_DATE
    return f"{moment.astimezone(COUNTY_TIMEZONE):%Y-%m-%d %H:%M}"


def event_kind(event_type: str) -> str:
    """``pingan.dispatch.task.assigned.v1`` → ``task.assigned`` (the inbox item's kind)."""
    parts = event_type.split(".")
    return ".".join(parts[2:-1]) if len(parts) >= 5 else event_type


def supervision_level(unit_code: str) -> str:
    """The level a supervising unit speaks for, from its area code (县 6, 乡镇 9, 村 12 digits)."""
    area = unit_code.split("-")[0]
    return {6: "县级", 9: "乡镇（街道）", 12: "村（社区）"}.get(len(area), "上级")


def task_assigned_variables(
    *, unit_name: str, ticket_number: str, accept_due_at: datetime, due_at: datetime
) -> dict[str, str]:
    return {
        "unit_name": unit_name,
        "ticket_number": ticket_number,
        "accept_due_at": county_time(accept_due_at),
        "due_at": county_time(due_at),
    }


def deadline_variables(*, ticket_number: str, unit_name: str, due_at: datetime) -> dict[str, str]:
    return {"ticket_number": ticket_number, "unit_name": unit_name, "due_at": county_time(due_at)}


def escalated_variables(
    *, ticket_number: str, unit_name: str, escalated_to_unit_code: str
) -> dict[str, str]:
    return {
        "ticket_number": ticket_number,
        "unit_name": unit_name,
        "level": supervision_level(escalated_to_unit_code),
    }


def flagged_variables(
    *, ticket_number: str, leader_name: str, due_at: datetime | None
) -> dict[str, str]:
    return {
        "ticket_number": ticket_number,
        "leader_name": leader_name,
        "due_at": county_time(due_at),
    }


def alert_variables(*, level: str, ticket_number: str, summary: str) -> dict[str, str]:
    return {
        "level_label": LEVEL_LABELS.get(level, level),
        "ticket_number": ticket_number,
        "summary": summary,
    }


def case_opened_variables(*, case_number: str, ticket_number: str) -> dict[str, str]:
    return {"case_number": case_number, "ticket_number": ticket_number}


def ticket_number_variables(ticket_number: str) -> dict[str, str]:
    """Receipt, survey and thank-you SMS all name just the ticket."""
    return {"ticket_number": ticket_number}


def repeat_title(title: str, repeat_number: int) -> str:
    """A repeated alert says it is one, so the leader sees it is still unacknowledged."""
    return title if repeat_number == 0 else f"【第{repeat_number + 1}次提醒】{title}"


def survey_verdict(reply: str) -> str | None:
    """The citizen's answer to "回复1满意，2基本满意，3不满意"; None if it is none of them."""
    cleaned = reply.strip().rstrip("。.!！").strip()
    return {
        "1": "satisfied",
        "满意": "satisfied",
        "2": "basically_satisfied",
        "基本满意": "basically_satisfied",
        "3": "unsatisfied",
        "不满意": "unsatisfied",
    }.get(cleaned)
