"""The grid's visits (走访) from riskassess's key-person visit schedule: the persons due in the
grid worker's own grid (riskassess scopes the list to the caller's grid) and a visit recorded.

A list row carries only what riskassess gives a visitor: name, address, due date, whether the
visit is overdue and whether the last one found the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pingan_console.grid.forms import FormProblem
from pingan_console.grid.views import county_time

# Due by today plus this many days: what the grid worker plans this week.
DUE_WITHIN_DAYS = 7
MAX_NOTES = 2000


@dataclass(frozen=True)
class VisitRow:
    person_id: str
    ref: str
    name: str
    address: str
    due: str
    overdue: bool
    lost_contact: bool
    last_visit: str


def visit_row(item: dict[str, Any]) -> VisitRow:
    return VisitRow(
        person_id=str(item["person_id"]),
        ref=str(item.get("ref") or ""),
        name=str(item.get("name") or ""),
        address=str(item.get("address") or ""),
        due=county_time(item.get("next_visit_due_at")),
        overdue=bool(item.get("overdue")),
        lost_contact=bool(item.get("lost_contact")),
        last_visit=county_time(item.get("last_visit_at")),
    )


def visit_rows(page: dict[str, Any]) -> list[VisitRow]:
    """Overdue first, then by due date (riskassess pages by id)."""
    rows = [visit_row(item) for item in page.get("items", [])]
    due_at = {str(i["person_id"]): str(i.get("next_visit_due_at") or "") for i in page["items"]}
    return sorted(rows, key=lambda r: (not r.overdue, due_at[r.person_id]))


def visit_body(found: str, notes: str) -> dict[str, Any]:
    """The body of riskassess's ``POST /v1/key-person-visits/{id}`` from the visit form."""
    if found not in ("1", "0"):
        raise FormProblem("请选择是否见到本人")
    notes = notes.strip()
    if len(notes) < 2:
        raise FormProblem("请填写走访情况（至少2个字）")
    return {"found": found == "1", "notes": notes[:MAX_NOTES]}


def done_text(person: dict[str, Any]) -> str:
    due = county_time(person.get("next_visit_due_at"))
    if person.get("lost_contact"):
        return f"已记录：未见到本人（脱管），已报研判人员。下次走访 {due}"
    return f"已记录走访，下次走访 {due}"
