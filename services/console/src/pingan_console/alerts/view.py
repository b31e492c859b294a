"""View models of the alert board and an alert's panel: plain functions over riskassess's JSON.

Nothing here decides what a user may do: the actions shown are exactly the detail's
``allowed_actions``; this only orders, labels and formats what the service answered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pingan_common.county_time import COUNTY_TZ
from pingan_console.alerts.labels import (
    ACTION_LABELS,
    LEVEL_LABELS,
    LEVELS,
    OUTCOME_LABELS,
    RULE_LABELS,
    STATE_LABELS,
    SUBJECT_LABELS,
    label,
)

# The actions the panel has a form for, in the lifecycle's order.
ACTIONS: tuple[str, ...] = ("acknowledge", "request-verification", "verify", "handle", "close")

Json = Mapping[str, Any]
Names = Callable[[str], str]


def shown_summary(summary: str) -> str:
    """riskassess writes "<rule>: <text>"; the page names the rule in Chinese."""
    rule, colon, text = summary.partition(": ")
    if colon and rule in RULE_LABELS:
        return f"{RULE_LABELS[rule]}：{text}"
    return summary


def parse_time(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def county_time(value: str | datetime | None, pattern: str = "%m-%d %H:%M") -> str:
    """A time in county time (Asia/Shanghai), e.g. ``11-05 14:30``; ``—`` for none."""
    moment = parse_time(value)
    return moment.astimezone(COUNTY_TZ).strftime(pattern) if moment else "—"


def minutes_text(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} 分钟"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} 小时 {rest} 分" if rest else f"{hours} 小时"
    return f"{hours // 24} 天"


def ack_deadline(alert: Json, now: datetime) -> tuple[str, bool]:
    """The acknowledgement clock of a raised alert: (text, overdue); empty once acknowledged."""
    due = parse_time(alert.get("ack_due_at"))
    if alert.get("state") != "raised" or due is None:
        return "", False
    seconds = (due - now).total_seconds()
    minutes = int(abs(seconds) // 60)
    if seconds < 0:
        return f"签收已超时 {minutes_text(minutes)}", True
    return f"签收剩余 {minutes_text(minutes)}", False


@dataclass(frozen=True)
class SignalView:
    rule: str
    evidence: str
    level: str
    level_label: str


def signals_of(alert: Json) -> list[SignalView]:
    return [
        SignalView(
            rule=label(RULE_LABELS, signal.get("rule")),
            evidence=str(signal.get("evidence") or ""),
            level=str(signal.get("level") or ""),
            level_label=label(LEVEL_LABELS, signal.get("level")),
        )
        for signal in alert.get("signals") or []
    ]


@dataclass(frozen=True)
class AlertCard:
    id: str
    ticket_number: str
    level: str
    level_label: str
    state: str
    state_label: str
    subject_label: str
    summary: str
    area_name: str
    raised_at: str
    deadline: str
    deadline_overdue: bool
    escalations: int
    signals: list[SignalView]


def card(alert: Json, now: datetime, area_name: Names) -> AlertCard:
    deadline, overdue = ack_deadline(alert, now)
    return AlertCard(
        id=str(alert["id"]),
        ticket_number=str(alert.get("ticket_number") or ""),
        level=str(alert["level"]),
        level_label=label(LEVEL_LABELS, alert["level"]),
        state=str(alert["state"]),
        state_label=label(STATE_LABELS, alert["state"]),
        subject_label=label(SUBJECT_LABELS, alert.get("subject_kind")),
        summary=shown_summary(str(alert.get("summary") or "")),
        area_name=area_name(str(alert.get("area_code") or "")),
        raised_at=county_time(alert.get("raised_at")),
        deadline=deadline,
        deadline_overdue=overdue,
        escalations=int(alert.get("escalation_count") or 0),
        signals=signals_of(alert),
    )


@dataclass(frozen=True)
class Lane:
    level: str
    label: str
    cards: list[AlertCard]

    @property
    def count(self) -> int:
        return len(self.cards)


@dataclass(frozen=True)
class Board:
    lanes: list[Lane]
    complete: bool = True  # False when a page of the service's list was cut off

    @property
    def total(self) -> int:
        return sum(lane.count for lane in self.lanes)


def board(
    alerts: Iterable[Json], now: datetime, area_name: Names, *, complete: bool = True
) -> Board:
    """The alerts in one lane per colour, red first; in a lane the ones waiting for a signature
    first, then the newest."""
    lanes: dict[str, list[Json]] = {level: [] for level in LEVELS}
    for alert in alerts:
        lanes.setdefault(str(alert["level"]), []).append(alert)

    def order(alert: Json) -> tuple[bool, float]:
        raised = parse_time(alert.get("raised_at"))
        return alert.get("state") != "raised", -(raised.timestamp() if raised else 0.0)

    return Board(
        lanes=[
            Lane(
                level,
                label(LEVEL_LABELS, level),
                [card(a, now, area_name) for a in sorted(items, key=order)],
            )
            for level, items in lanes.items()
        ],
        complete=complete,
    )


@dataclass(frozen=True)
class HistoryLine:
    at: str
    action: str
    actor: str
    to_state: str
    note: str


def _history_note(details: Json) -> str:
    for key in ("note", "summary", "notes", "measures", "reason"):
        value = details.get(key)
        if isinstance(value, str) and value:
            return value
    outcome = details.get("outcome")
    if isinstance(outcome, str):
        return label(OUTCOME_LABELS, outcome)
    return ""


@dataclass(frozen=True)
class AlertPanel:
    card: AlertCard
    version: int
    etag: str
    acknowledged: str
    outcome: str
    verification_report: str
    notes: str
    measures: str
    close_reason: str
    verification_task_id: str | None
    history: list[HistoryLine]
    actions: list[str]
    action_labels: dict[str, str] = field(default_factory=lambda: dict(ACTION_LABELS))


def panel(detail: Json, now: datetime, area_name: Names, staff_name: Names) -> AlertPanel:
    acknowledged_by = detail.get("acknowledged_by")
    acknowledged = (
        f"{staff_name(acknowledged_by)} 于 {county_time(detail.get('acknowledged_at'))}"
        if acknowledged_by
        else ""
    )
    task = detail.get("verification_task_id")
    return AlertPanel(
        card=card(detail, now, area_name),
        version=int(detail["version"]),
        etag=if_match(int(detail["version"])),
        acknowledged=acknowledged,
        outcome=label(OUTCOME_LABELS, detail["outcome"]) if detail.get("outcome") else "",
        verification_report=str(detail.get("verification_report") or ""),
        notes=str(detail.get("notes") or ""),
        measures=str(detail.get("measures") or ""),
        close_reason=str(detail.get("close_reason") or ""),
        verification_task_id=str(task) if task else None,
        history=[
            HistoryLine(
                at=county_time(entry.get("at")),
                action=label(ACTION_LABELS, entry.get("action")),
                actor=staff_name(str(entry.get("actor") or "")),
                to_state=label(STATE_LABELS, entry.get("to_state")),
                note=_history_note(entry.get("details") or {}),
            )
            for entry in detail.get("history") or []
        ],
        actions=[action for action in ACTIONS if action in (detail.get("allowed_actions") or [])],
    )


def if_match(version: int) -> str:
    """The entity tag riskassess's GET answers (``W/"3"``), sent back as If-Match."""
    return f'W/"{version}"'


def action_body(action: str, form: Mapping[str, str]) -> dict[str, Any]:
    """The JSON body of an action from its form's fields; riskassess validates it."""
    text = {key: (value or "").strip() for key, value in form.items()}
    if action == "acknowledge":
        return {"note": text.get("note") or None}
    if action == "request-verification":
        return {
            "summary": text.get("summary") or None,
            "due_at": county_datetime(text.get("due_at")),
        }
    if action == "verify":
        return {"outcome": text.get("outcome", ""), "notes": text.get("notes", "")}
    if action == "handle":
        return {"measures": text.get("measures", "")}
    if action == "close":
        return {"reason": text.get("reason", "")}
    raise ValueError(f"unknown alert action {action!r}")


def county_datetime(value: str | None) -> str | None:
    """A ``datetime-local`` field's value (county wall time) as ISO 8601 with the zone."""
    if not value:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=COUNTY_TZ).isoformat()
