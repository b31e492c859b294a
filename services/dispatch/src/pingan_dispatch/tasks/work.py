"""Tasks in the database: opening, routing, giving to a unit, the SLA clock, the timeline.

Every change goes through a ``Work`` (the engine's unit of work: the open transaction, the
outbox, the time and the actor), so the state change, its timeline entry and its event commit
together or not at all. ``TASKS`` tells the engine what a task is (table, history, rules, view).
The transitions the REST API offers are in ``task_actions.py``; this module holds what they
and the event handlers share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal
from pingan_common.auth import ensure_visible as ensure_area_visible
from pingan_common.events.dispatch import (
    TaskAssigned,
    TaskAssignedData,
    TaskCreated,
    TaskCreatedData,
    TaskFlagged,
    TaskFlaggedData,
)
from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.values import Category
from pingan_common.ids import new_id
from pingan_common.lifecycle import SYSTEM, AggregateKind, AggregateWork
from pingan_common.outbox import Outbox
from pingan_dispatch.models import Task, TaskAssignment, TaskHistory, Unit
from pingan_dispatch.routing.engine import (
    COUNTY_COMMAND_CENTER,
    RoutingDecision,
    RoutingRequest,
    route_task,
    unit_name,
)
from pingan_dispatch.sla.deadlines import Deadlines, compute_deadlines, return_allowed
from pingan_dispatch.sla.policy import SlaLimits, default_policy
from pingan_dispatch.sla.workdays import default_calendar
from pingan_dispatch.tasks.lifecycle import TASK_LIFECYCLE, TaskView

MANUAL_RULE = "MANUAL"


class Work(AggregateWork[Task]):
    """One unit of work on tasks: the transaction, where events go, when, and who acts."""

    def fields(self, task: Task) -> dict[str, Any]:
        """What every task event after ``created`` carries (``TaskEventData``)."""
        return {
            **task_ids(task),
            "unit_code": task.unit_code,
            "area_code": task.area_code,
            "actor": self.actor,
            "occurred_at": self.now,
        }


def task_work(
    session: AsyncSession,
    outbox: Outbox,
    now: datetime,
    *,
    actor: str = SYSTEM,
    causation: EventEnvelope | None = None,
) -> Work:
    return Work(TASKS, session, outbox, now, actor, causation)


def task_ids(task: Task) -> dict[str, Any]:
    """The task and its ticket, as every task event names them."""
    return {"task_id": task.id, "ticket_id": task.ticket_id, "ticket_number": task.ticket_number}


@dataclass(frozen=True)
class NewTask:
    """What opening a task needs, whichever event asked for it."""

    source_event_id: UUID
    ticket_id: UUID
    ticket_number: str
    summary: str
    category: Category
    urgency: str
    area_code: str
    township_code: str | None
    village_code: str | None
    grid_code: str | None
    location_resolved: bool
    kind: str = "ticket"
    alert_id: UUID | None = None


async def open_task(work: Work, new: NewTask) -> Task | None:
    """Create the task and publish ``task.created``; None if this event already made one."""
    existing = await work.session.scalar(
        select(Task.id).where(Task.source_event_id == new.source_event_id)
    )
    if existing is not None:
        return None
    task = Task(
        id=new_id(),
        kind=new.kind,
        alert_id=new.alert_id,
        ticket_id=new.ticket_id,
        ticket_number=new.ticket_number,
        source_event_id=new.source_event_id,
        state="created",
        summary=new.summary[:200],
        category_group=new.category.group.value,
        category_code=new.category.code,
        category_label=new.category.label,
        urgency=new.urgency,
        area_code=new.area_code,
        township_code=new.township_code,
        village_code=new.village_code,
        grid_code=new.grid_code,
        location_resolved=new.location_resolved,
        co_unit_codes=[],
        handled_by=[],
        created_at=work.now,
        routing_fallback=False,
        flagged=False,
        return_count=0,
        reassign_count=0,
        reopen_count=0,
        extension_count=0,
    )
    work.session.add(task)
    await work.session.flush()
    work.record(task, "create", None, {"kind": task.kind, "source_event_id": new.source_event_id})
    await work.publish(
        task,
        TaskCreated,
        TaskCreatedData(
            **task_ids(task),
            category=new.category,
            urgency=new.urgency,
            area_code=task.area_code,
            summary=task.summary,
            created_at=work.now,
            kind=new.kind,
            alert_id=new.alert_id,
        ),
    )
    return task


def routing_request(task: Task) -> RoutingRequest:
    return RoutingRequest(
        category_group=task.category_group,
        category_code=task.category_code,
        urgency=task.urgency,
        area_code=task.area_code,
        township_code=task.township_code,
        village_code=task.village_code,
        grid_code=task.grid_code,
    )


async def route(work: Work, task: Task) -> RoutingDecision:
    return await route_task(work.session, routing_request(task))


async def manual_decision(
    session: AsyncSession, unit_code: str, reason: str, co_unit_codes: list[str]
) -> RoutingDecision:
    """A dispatcher's choice, recorded like a rule's: the reason is the dispatcher's words."""
    return RoutingDecision(
        unit_code=unit_code,
        unit_name=await unit_name(session, unit_code),
        co_unit_codes=tuple(co_unit_codes),
        rule_id=MANUAL_RULE,
        rules_version="manual",
        reason=reason,
        fallback=False,
    )


async def county_decision(session: AsyncSession, reason: str) -> RoutingDecision:
    return RoutingDecision(
        unit_code=COUNTY_COMMAND_CENTER,
        unit_name=await unit_name(session, COUNTY_COMMAND_CENTER),
        co_unit_codes=(),
        rule_id="BOUNCE-LIMIT",
        rules_version="lifecycle",
        reason=reason,
        fallback=True,
    )


async def unit_exists(session: AsyncSession, unit_code: str) -> bool:
    return await session.get(Unit, unit_code) is not None


async def give_to_unit(work: Work, task: Task, decision: RoutingDecision) -> None:
    """Hand the task to the decision's unit: a new spell for the KPIs, a new sign-in deadline.

    The handling clock starts at the first assignment only; handing the task on (reassign,
    return and assign again) keeps it running, so bouncing a task buys no time.
    """
    if task.clock_started_at is None:
        set_deadlines(task, deadlines_from(task, work.now))
    else:
        task.accept_due_at = sla_limits(task).sign_in.after(work.now, default_calendar())
    task.state = "assigned"
    task.unit_code = decision.unit_code
    task.co_unit_codes = list(decision.co_unit_codes)
    task.rule_id = decision.rule_id
    task.rules_version = decision.rules_version
    task.route_reason = decision.reason
    task.routing_fallback = decision.fallback
    task.assigned_by = work.actor
    task.assigned_at = work.now
    task.accepted_at = None
    start_spell(work, task)


async def publish_assigned(work: Work, task: Task, decision: RoutingDecision) -> None:
    assert task.unit_code and task.assigned_at and task.accept_due_at and task.due_at
    await work.publish(
        task,
        TaskAssigned,
        TaskAssignedData(
            **task_ids(task),
            unit_code=task.unit_code,
            unit_name=decision.unit_name,
            co_unit_codes=task.co_unit_codes,
            area_code=task.area_code,
            urgency=task.urgency,
            rule_id=decision.rule_id,
            reason=decision.reason,
            assigned_at=task.assigned_at,
            accept_due_at=task.accept_due_at,
            due_at=task.due_at,
            summary=task.summary,
            assigned_by=work.actor,
        ),
    )


async def assign(work: Work, task: Task, decision: RoutingDecision, action: str = "assign") -> None:
    """created/returned → assigned, with its timeline entry and ``task.assigned``."""
    previous = task.state
    await give_to_unit(work, task, decision)
    work.record(task, action, previous, decision_details(decision) | deadline_details(task))
    await publish_assigned(work, task, decision)


async def flag(work: Work, task: Task, *, flagged: bool, reason: str, source: str) -> None:
    task.flagged = flagged
    task.flag_reason = reason if flagged else None
    task.flag_source = source if flagged else None
    work.record(
        task, "flag" if flagged else "unflag", task.state, {"reason": reason, "source": source}
    )
    await work.publish(
        task,
        TaskFlagged,
        TaskFlaggedData(**work.fields(task), flagged=flagged, reason=reason, source=source),
    )


# --- the SLA clock ------------------------------------------------------------------------------


def sla_limits(task: Task) -> SlaLimits:
    return default_policy().limits_for(
        task.category_code, task.category_group, task.sla_class, task.urgency
    )


def deadlines_from(task: Task, start: datetime) -> Deadlines:
    return compute_deadlines(
        default_policy(),
        default_calendar(),
        assigned_at=start,
        category_code=task.category_code,
        group=task.category_group,
        sla_class=task.sla_class,
        urgency=task.urgency,
    )


def set_deadlines(task: Task, deadlines: Deadlines) -> None:
    task.clock_started_at = deadlines.assigned_at
    task.accept_due_at = deadlines.accept_due_at
    task.due_at = deadlines.due_at
    task.original_due_at = deadlines.original_due_at
    task.warn_at = deadlines.warn_at
    task.escalate_at = deadlines.escalate_at
    task.sla_rule = deadlines.rule
    task.sla_policy_version = deadlines.policy_version


def current_deadlines(task: Task) -> Deadlines:
    assert task.clock_started_at and task.due_at and task.accept_due_at
    assert task.warn_at and task.escalate_at and task.original_due_at
    return Deadlines(
        accept_due_at=task.accept_due_at,
        due_at=task.due_at,
        warn_at=task.warn_at,
        escalate_at=task.escalate_at,
        rule=task.sla_rule or "",
        policy_version=task.sla_policy_version or "",
        assigned_at=task.clock_started_at,
        original_due_at=task.original_due_at,
    )


def deadline_details(task: Task) -> dict[str, Any]:
    return {
        "accept_due_at": task.accept_due_at,
        "due_at": task.due_at,
        "sla_rule": task.sla_rule,
    }


def decision_details(decision: RoutingDecision) -> dict[str, Any]:
    return {
        "unit_code": decision.unit_code,
        "co_unit_codes": list(decision.co_unit_codes),
        "rule_id": decision.rule_id,
        "rules_version": decision.rules_version,
        "reason": decision.reason,
        "fallback": decision.fallback,
    }


def ensure_visible(principal: Principal, task: Task) -> None:
    """Staff of the task's unit (or a co-handling unit) see it wherever they sit; others by area.
    To anyone else the task is not there (404), so a refusal tells nothing of it."""
    units = {task.unit_code, *task.co_unit_codes}
    if principal.unit_code is not None and principal.unit_code in units:
        return
    ensure_area_visible(principal, task.area_code, "task", str(task.id))


def view_of(task: Task, now: datetime) -> TaskView:
    window_open = task.assigned_at is None or return_allowed(task.assigned_at, now)
    return TaskView(
        state=task.state,
        kind=task.kind,
        unit_code=task.unit_code,
        extension_pending=task.extension_request is not None,
        return_window_open=window_open,
    )


# --- the spells the KPIs count --------------------------------------------------------------------


def township_of_unit(unit_code: str) -> str | None:
    """The township a unit belongs to (its code's 9-digit prefix); None for county units."""
    prefix = unit_code.split("-", 1)[0]
    return prefix[:9] if prefix.isdigit() and len(prefix) >= 9 else None


def start_spell(work: Work, task: Task) -> None:
    assert task.unit_code and task.assigned_at and task.accept_due_at and task.due_at
    work.session.add(
        TaskAssignment(
            task_id=task.id,
            unit_code=task.unit_code,
            township_code=township_of_unit(task.unit_code),
            assigned_at=task.assigned_at,
            accept_due_at=task.accept_due_at,
            due_at=task.due_at,
            returned_count=0,
            reopened_count=0,
            cancelled=False,
        )
    )


async def current_spell(session: AsyncSession, task: Task) -> TaskAssignment | None:
    await session.flush()
    return await session.scalar(
        select(TaskAssignment)
        .where(TaskAssignment.task_id == task.id)
        .order_by(TaskAssignment.id.desc())
        .limit(1)
    )


TASKS = AggregateKind[Task, TaskView](
    name="task",
    model=Task,
    history_model=TaskHistory,
    history_key="task_id",
    lifecycle=TASK_LIFECYCLE,
    view=view_of,
    correlation=lambda task: str(task.ticket_id),
    ensure_visible=ensure_visible,
)
