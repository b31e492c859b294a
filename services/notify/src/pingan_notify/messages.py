"""Who must hear about an event, and what they read: pure functions over events."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID
from zoneinfo import ZoneInfo

from pingan_common.events import AlertRaised, CaseOpened, TaskAssigned

# Staff read deadlines on the county's clock, whatever zone the event carries.
COUNTY_TIMEZONE = ZoneInfo("Asia/Shanghai")
LEVEL_LABELS = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}


@dataclass(frozen=True)
class Notice:
    recipient_kind: str
    recipient: str
    title: str
    body: str
    ticket_id: UUID | None


def notices_for_task_assigned(event: TaskAssigned) -> list[Notice]:
    data = event.data
    accept_due_at = data.accept_due_at.astimezone(COUNTY_TIMEZONE)
    due_at = data.due_at.astimezone(COUNTY_TIMEZONE)
    body = (
        f"工单 {data.ticket_number} 已派至 {data.unit_name}，请于 "
        f"{accept_due_at:%Y-%m-%d %H:%M} 前签收，{due_at:%Y-%m-%d %H:%M} 前办结。"
    )
    recipients = [data.unit_code, *data.co_unit_codes]
    return [
        Notice("unit", code, f"新派工单 {data.ticket_number}", body, data.ticket_id)
        for code in recipients
    ]


def notices_for_case_opened(event: CaseOpened) -> list[Notice]:
    data = event.data
    body = f"调解案件 {data.case_number}（工单 {data.ticket_number}）已受理，请安排调解员。"
    return [
        Notice("unit", data.committee_code, f"新调解案件 {data.case_number}", body, data.ticket_id)
    ]


def notices_for_alert_raised(event: AlertRaised) -> list[Notice]:
    data = event.data
    label = LEVEL_LABELS.get(data.level.value, data.level.value)
    title = f"{label}预警：工单 {data.ticket_number}"
    body = f"{data.summary}。请值班人员立即确认并组织核查。"
    return [
        Notice("role", f"{role}@{data.area_code}", title, body, data.ticket_id)
        for role in data.notify_roles
    ]
