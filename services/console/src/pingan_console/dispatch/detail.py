"""The task page's view: header, deadlines, routing, timeline — plain data for the templates."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pingan_console.dispatch import labels
from pingan_console.dispatch.timefmt import county_text, parse_instant, remaining_text

UnitName = Callable[[str | None], str]
PersonName = Callable[[str], str]
# The history details worth a line, in the order shown; times and codes are formatted.
SHOWN_DETAILS = tuple(labels.DETAIL_LABELS)
TIME_DETAILS = frozenset({"requested_due_at", "due_at"})
UNIT_DETAILS = frozenset({"unit_code", "previous_unit_code", "escalated_to_unit_code"})


@dataclass(frozen=True)
class TimelineEntry:
    at: str
    label: str
    actor: str
    change: str
    details: list[tuple[str, str]]


@dataclass(frozen=True)
class Deadline:
    label: str
    at: str
    remaining: str


def timeline(
    history: list[Mapping[str, Any]], *, unit_name: UnitName, person: PersonName
) -> list[TimelineEntry]:
    """Newest first, each entry with who, which state change, and the details that matter."""
    entries = []
    # The service lists entries in the order they happened; entries of one transaction share
    # their time, so the order is reversed rather than re-sorted by time alone.
    for entry in reversed(sorted(history, key=lambda h: h["at"])):
        before, after = entry.get("from_state"), entry.get("to_state")
        change = ""
        if after and before != after:
            was = labels.label(labels.STATE_LABELS, before) or "—"
            change = f"{was} → {labels.label(labels.STATE_LABELS, after)}"
        entries.append(
            TimelineEntry(
                at=county_text(entry["at"], with_year=True),
                label=labels.label(labels.HISTORY_LABELS, entry["action"]),
                actor=person(entry.get("actor") or ""),
                change=change,
                details=_details(entry.get("details") or {}, unit_name),
            )
        )
    return entries


def _details(details: Mapping[str, Any], unit_name: UnitName) -> list[tuple[str, str]]:
    shown = []
    for key in SHOWN_DETAILS:
        value = details.get(key)
        if value is None or value == "":
            continue
        if key in TIME_DETAILS:
            text = county_text(value, with_year=True)
        elif key in UNIT_DETAILS:
            text = unit_name(str(value))
        elif isinstance(value, bool):
            text = "通过" if value else "不通过"
        elif key == "verdict":
            text = dict(labels.VERDICTS).get(str(value), str(value))
        else:
            text = str(value)
        shown.append((labels.DETAIL_LABELS[key], text))
    return shown


def deadlines(task: Mapping[str, Any], now: datetime) -> list[Deadline]:
    found = task.get("deadlines") or {}
    rows = [
        ("签收期限", found.get("accept_due_at") if task.get("state") == "assigned" else None),
        ("办结期限", found.get("due_at")),
        ("预警时间", found.get("warn_at")),
        ("升级督办时间", found.get("escalate_at")),
    ]
    running = found.get("stage") is not None
    return [
        Deadline(label, county_text(at, with_year=True), remaining_text(at, now) if running else "")
        for label, at in rows
        if parse_instant(at) is not None
    ]


def stage(task: Mapping[str, Any]) -> tuple[str, str]:
    """(label, tone) of where the clock stands; empty when it is stopped."""
    value = (task.get("deadlines") or {}).get("stage")
    if value is None:
        return "", ""
    return labels.label(labels.STAGE_LABELS, value), labels.STAGE_TONES.get(value, "")


def candidates(explanation: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """The rules the dry run checked, the chosen one first, then the first few skipped."""
    if not explanation:
        return []
    outcomes = {"chosen": "采用", "skipped": "不适用", "target_missing": "无对应单位"}
    rows = [
        {"rule_id": c["rule_id"], "outcome": outcomes.get(c["outcome"], c["outcome"]),
         "why": c["why"], "chosen": "1" if c["outcome"] == "chosen" else ""}
        for c in explanation.get("candidates", [])
    ]  # fmt: skip
    return sorted(rows, key=lambda row: row["chosen"] != "1")
