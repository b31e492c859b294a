"""Opening a task for a registered ticket: create, route, set deadlines, publish."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events import (
    TaskAssigned,
    TaskAssignedData,
    TaskCreated,
    TaskCreatedData,
    TicketRegistered,
)
from pingan_common.ids import new_id
from pingan_dispatch.deadlines import deadlines_for
from pingan_dispatch.models import Task, TaskHistory, Unit
from pingan_dispatch.routing import COMMAND_CENTER, RoutingRequest, route

SYSTEM_ACTOR = "system:dispatch"


def needs_task(event: TicketRegistered) -> bool:
    return "task" in event.data.dispositions


async def open_task(event: TicketRegistered, ctx: HandlerContext) -> Task:
    data = event.data
    now = ctx.clock()
    task = Task(
        id=new_id(),
        ticket_id=data.ticket_id,
        ticket_number=data.ticket_number,
        source_event_id=event.id,
        state="created",
        summary=data.description[:200],
        category_group=data.category.group.value,
        category_code=data.category.code,
        category_label=data.category.label,
        urgency=data.urgency.value,
        area_code=data.area_code,
        co_unit_codes=[],
        created_at=now,
    )
    ctx.session.add(task)
    await ctx.session.flush()
    _history(ctx.session, task, "create", None, now)
    await ctx.publish(
        TaskCreated.create(
            TaskCreatedData(
                task_id=task.id,
                ticket_id=task.ticket_id,
                ticket_number=task.ticket_number,
                category=data.category,
                urgency=data.urgency,
                area_code=task.area_code,
                summary=task.summary,
                created_at=now,
            ),
            subject=str(task.id),
            correlationid=event.correlationid,
            causation=event,
            time=now,
        )
    )
    await assign_by_rule(task, event, ctx)
    return task


async def assign_by_rule(task: Task, cause: TicketRegistered, ctx: HandlerContext) -> None:
    decision = route(
        RoutingRequest(
            category_group=task.category_group,
            category_code=task.category_code,
            township_code=cause.data.location.township_code,
        )
    )
    unit = await ctx.session.get(Unit, decision.unit_code)
    if unit is None:
        # Reference data out of step with the rules: the county still owns the task (兜底).
        unit = await ctx.session.get(Unit, COMMAND_CENTER)
    assert unit is not None, "the county command center must exist in the directory"
    now = ctx.clock()
    deadlines = deadlines_for(task.urgency, now)
    previous = task.state
    task.state = "assigned"
    task.unit_code = unit.code
    task.rule_id = decision.rule_id
    task.route_reason = decision.reason
    task.assigned_at = now
    task.accept_due_at = deadlines.accept_due_at
    task.due_at = deadlines.due_at
    _history(
        ctx.session,
        task,
        "assign",
        previous,
        now,
        {"unit_code": unit.code, "rule_id": decision.rule_id, "reason": decision.reason},
    )
    await ctx.publish(
        TaskAssigned.create(
            TaskAssignedData(
                task_id=task.id,
                ticket_id=task.ticket_id,
                ticket_number=task.ticket_number,
                unit_code=unit.code,
                unit_name=unit.name,
                co_unit_codes=task.co_unit_codes,
                area_code=task.area_code,
                urgency=task.urgency,
                rule_id=decision.rule_id,
                reason=decision.reason,
                assigned_at=now,
                accept_due_at=deadlines.accept_due_at,
                due_at=deadlines.due_at,
            ),
            subject=str(task.id),
            correlationid=cause.correlationid,
            causation=cause,
            time=now,
        )
    )


def _history(
    session: AsyncSession,
    task: Task,
    action: str,
    from_state: str | None,
    at,
    details=None,  # type: ignore[no-untyped-def]
) -> None:
    session.add(
        TaskHistory(
            task_id=task.id,
            at=at,
            action=action,
            actor=SYSTEM_ACTOR,
            from_state=from_state,
            to_state=task.state,
            details=details or {},
        )
    )
