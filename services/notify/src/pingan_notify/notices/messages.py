"""What a notification says: template variables from events, pure functions.

Each function returns every variable any channel's template for that message may use; the
renderer keeps those its template declares (the SMS texts are shorter than the in-app ones).
"""

from __future__ import annotations

from datetime import datetime

from pingan_common.county_time import county_datetime

LEVEL_LABELS = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}
URGENT_ALERT_LEVELS = frozenset({"red", "orange"})
UNKNOWN_DATE = "待定"


def county_time(moment: datetime | None) -> str:
    """Staff read deadlines on the county's clock, whatever zone the event carries."""
    if moment is None:
        return UNKNOWN_DATE
    return f"{county_datetime(moment):%Y-%m-%d %H:%M}"


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


def reminder_number(repeat_number: int) -> int:
    """Repeat 1 is the second time the leader is told: "第2次提醒"."""
    return repeat_number + 1


def repeat_title(title: str, repeat_number: int) -> str:
    """A repeated alert says it is one, so the leader sees it is still unacknowledged."""
    return title if repeat_number == 0 else f"【第{reminder_number(repeat_number)}次提醒】{title}"
