"""Load the generated demo history (``demo_history``) into the task tables, once.

For the demo stack only (setting ``seed_demo_history``): each demo task becomes a task row, its
events its timeline, and each of its assignments a ``task_assignments`` row — the same facts
``DemoHistory.facts()`` gives, so ``GET /v1/kpis`` over the demo quarter shows exactly what
``scripts/kpi_report.py`` prints. The scanner markers are set as if every stage had already
fired: the history's deadlines are long past and must not flood notify at start-up.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from sqlalchemy import insert, select, text

from pingan_common.runtime import Runtime
from pingan_dispatch.demo.history import DemoTask, facts_of, generate_history
from pingan_dispatch.models import Task, TaskAssignment, TaskHistory

log = logging.getLogger("pingan.dispatch.demo")

_NAMESPACE = UUID("0b5f3f0e-6a43-4f0f-8c44-1c8f5c7d2e19")
_SEED_LOCK_ID = 7_240_111
ACTOR = "demo-history"
# The state a task is in after each demo event.
STATE_AFTER = {
    "assign": "assigned",
    "reassign": "assigned",
    "reopen": "assigned",
    "accept": "accepted",
    "request-extension": "accepted",
    "decide-extension": "accepted",
    "return": "returned",
    "reply": "replied",
    "review": "reviewed",
    "callback": "reviewed",
    "close": "closed",
}


def demo_task_id(task: DemoTask) -> UUID:
    return uuid5(_NAMESPACE, task.task_id)


# The generator numbers its tasks from demo-000001, so this id says whether the history is in.
_FIRST_DEMO_TASK = uuid5(_NAMESPACE, "demo-000001")


async def seed_demo_history(runtime: Runtime) -> int:
    """Insert the demo history unless it is there already; returns the tasks inserted."""
    async with runtime.transaction() as session:
        await session.execute(text(f"SELECT pg_advisory_xact_lock({_SEED_LOCK_ID})"))
        if await session.scalar(select(Task.id).where(Task.id == _FIRST_DEMO_TASK)) is not None:
            return 0  # checked before generating: a restart costs one lookup, not the history
        history = generate_history()
        tasks, timeline, spells = [], [], []
        for demo in history.tasks:
            known = [e for e in demo.events if e.at < history.as_of]
            if not known:
                continue
            task_id = demo_task_id(demo)
            tasks.append(_task_row(task_id, demo, known))
            timeline.extend(_history_rows(task_id, known))
            spells.extend(_spell_rows(task_id, demo, history.as_of))
        await session.execute(insert(Task), tasks)
        await session.execute(insert(TaskHistory), timeline)
        await session.execute(insert(TaskAssignment), spells)
    log.info("seeded %d demo tasks (%d assignments)", len(tasks), len(spells))
    return len(tasks)


def _task_row(task_id: UUID, demo: DemoTask, known: list[Any]) -> dict[str, Any]:
    last = known[-1]
    assigned = [e for e in known if e.action in ("assign", "reassign", "reopen")]
    due = _due_of(known)
    accept_due = datetime.fromisoformat(assigned[-1].detail.get("accept_due_at", due.isoformat()))
    unit = assigned[-1].unit_code
    state = STATE_AFTER[last.action]
    return {
        "id": task_id,
        "kind": "ticket",
        "ticket_id": task_id,
        "ticket_number": f"DEMO{demo.task_id.removeprefix('demo-')}",
        "source_event_id": task_id,
        "state": state,
        "summary": f"演示历史工单（{demo.category_code}）",
        "category_group": demo.category_group,
        "category_code": demo.category_code,
        "category_label": demo.category_code,
        "urgency": demo.urgency,
        "sla_class": demo.sla_class,
        "area_code": demo.township_code,
        "township_code": demo.township_code,
        "location_resolved": True,
        "unit_code": None if state == "returned" else unit,
        "co_unit_codes": [],
        "handled_by": sorted({e.unit_code for e in known if e.action == "reply"}),
        "routing_fallback": False,
        "created_at": known[0].at,
        "clock_started_at": known[0].at,
        "assigned_at": assigned[-1].at,
        "accept_due_at": accept_due,
        "due_at": due,
        "original_due_at": due,
        "warn_at": due,
        "escalate_at": due,
        "accept_overdue_due_at": accept_due,
        "warned_due_at": due,
        "overdue_due_at": due,
        "escalated_due_at": due,
        "closed_at": last.at if state == "closed" else None,
        "flagged": False,
        "return_count": sum(1 for e in known if e.action == "return"),
        "reassign_count": 0,
        "reopen_count": sum(1 for e in known if e.action == "reopen"),
        "extension_count": sum(1 for e in known if e.action == "decide-extension"),
        "version": 1,
    }


def _due_of(known: list[Any]) -> datetime:
    due = None
    for event in known:
        if "due_at" in event.detail:
            due = datetime.fromisoformat(event.detail["due_at"])
        if event.action == "decide-extension" and event.detail.get("decision") == "approved":
            due = datetime.fromisoformat(event.detail["new_due_at"])
    assert due is not None
    return due


def _history_rows(task_id: UUID, known: list[Any]) -> list[dict[str, Any]]:
    rows, state = [], None
    for event in known:
        after = STATE_AFTER[event.action]
        rows.append(
            {
                "task_id": task_id,
                "at": event.at,
                "action": event.action,
                "actor": ACTOR,
                "from_state": state,
                "to_state": after,
                "details": {"unit_code": event.unit_code, **event.detail},
            }
        )
        state = after
    return rows


def _spell_rows(task_id: UUID, demo: DemoTask, as_of: datetime) -> list[dict[str, Any]]:
    return [
        {
            "task_id": task_id,
            "unit_code": fact.unit_code,
            "township_code": fact.township_code,
            "assigned_at": fact.assigned_at,
            "accept_due_at": fact.accept_due_at,
            "accepted_at": fact.accepted_at,
            "due_at": fact.due_at,
            "replied_at": fact.replied_at,
            "closed_at": fact.closed_at,
            "returned_count": fact.returned_count,
            "reopened_count": fact.reopened_count,
            "callback": fact.callback,
            "resolved": fact.resolved,
            "cancelled": False,
        }
        for fact in facts_of(demo, as_of)
    ]
