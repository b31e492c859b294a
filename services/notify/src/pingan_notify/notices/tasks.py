"""Tasks: a unit is told its new work and its deadlines, a supervisor and the leaders on duty
when a deadline slips, and the citizen is asked how it went once the unit replies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Uuid, bindparam, text

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events import EventEnvelope
from pingan_common.events.dispatch import (
    TaskAssigned,
    TaskCreated,
    TaskDeadlineWarning,
    TaskEscalated,
    TaskExtensionDecided,
    TaskFlagged,
    TaskOverdue,
    TaskReassigned,
    TaskReopened,
    TaskReplied,
)
from pingan_notify.deliveries.policies import Audience
from pingan_notify.deliveries.trigger import Recipient, Trigger
from pingan_notify.deliveries.writer import DeliveryWriter
from pingan_notify.models import CitizenTicket, TaskContext
from pingan_notify.notices.messages import (
    deadline_variables,
    escalated_variables,
    flagged_variables,
    task_assigned_variables,
)
from pingan_notify.notices.units import task_unit_name, to_units
from pingan_notify.recipients import directory
from pingan_notify.surveys.callback_survey import send_survey
from pingan_notify.templates.catalog import render


async def on_task_created(event: TaskCreated, ctx: HandlerContext) -> None:
    await _remember_task(ctx, event.data, kind=event.data.kind)


async def on_task_assigned(event: TaskAssigned, ctx: HandlerContext) -> None:
    data = event.data
    await _remember_unit(ctx, data, data.unit_name)
    units = [data.unit_code, *data.co_unit_codes]
    await _assignment(ctx, event, units, data.unit_name, urgent=data.urgency == "urgent")


async def on_task_reassigned(event: TaskReassigned, ctx: HandlerContext) -> None:
    data = event.data
    await _remember_unit(ctx, data, data.unit_name)
    units = [code for code in [data.unit_code, *data.co_unit_codes] if code]
    await _assignment(ctx, event, units, data.unit_name)


async def on_task_reopened(event: TaskReopened, ctx: HandlerContext) -> None:
    data = event.data
    name = await task_unit_name(ctx, data.task_id, data.unit_code)
    await _remember_unit(ctx, data, name)
    if data.unit_code:
        await _assignment(ctx, event, [data.unit_code], name)


async def on_extension_decided(event: TaskExtensionDecided, ctx: HandlerContext) -> None:
    await _remember_task(ctx, event.data, due_at=event.data.due_at)


async def on_deadline_warning(event: TaskDeadlineWarning, ctx: HandlerContext) -> None:
    await _deadline(ctx, event, "deadline_warning")


async def on_task_overdue(event: TaskOverdue, ctx: HandlerContext) -> None:
    await _deadline(ctx, event, "task_overdue")


async def on_task_escalated(event: TaskEscalated, ctx: HandlerContext) -> None:
    data = event.data
    writer = DeliveryWriter.for_handler(ctx)
    trigger = Trigger.of(event)
    name = await task_unit_name(ctx, data.task_id, data.unit_code)
    variables = escalated_variables(
        ticket_number=data.ticket_number,
        unit_name=name,
        escalated_to_unit_code=data.escalated_to_unit_code,
    )
    await to_units(ctx, event, [data.escalated_to_unit_code], "task_escalated", variables)
    leader_ids = data.on_duty_leader_ids or await directory.on_duty(
        ctx.session, [data.escalated_to_unit_code], "leader", writer.now
    )
    leaders = await directory.staff(ctx.session, leader_ids)
    in_app = render(writer.state.catalog, "task_escalated.in_app", variables)
    users = [Recipient("user", p.user_id) for p in leaders]
    if not users:
        users = [Recipient("role", f"leader@{data.area_code}")]
    await writer.in_app(trigger, users, in_app, urgent=True)
    sms = render(writer.state.catalog, "task_escalated.sms", variables)
    for leader in leaders:
        if directory.is_mobile(leader.phone):
            await writer.sms(
                trigger, Recipient("user", leader.user_id, Audience.STAFF, leader.phone), sms
            )


async def on_task_flagged(event: TaskFlagged, ctx: HandlerContext) -> None:
    data = event.data
    if not data.flagged or not data.unit_code:
        return
    task = await ctx.session.get(TaskContext, data.task_id)
    leader_name = "县指挥中心"
    if data.source == "leader":
        people = await directory.staff(ctx.session, [data.actor])
        leader_name = people[0].name if people else data.actor
    variables = flagged_variables(
        ticket_number=data.ticket_number,
        leader_name=leader_name,
        due_at=task.due_at if task else None,
    )
    await to_units(ctx, event, [data.unit_code], "task_flagged", variables)


async def on_task_replied(event: TaskReplied, ctx: HandlerContext) -> None:
    data = event.data
    task = await ctx.session.get(TaskContext, data.task_id)
    if task is not None and task.kind == "verification":
        return  # a grid worker's check of an alert: no citizen to ask
    ticket = await ctx.session.get(CitizenTicket, data.ticket_id)
    if ticket is not None and not ticket.phone_masked:
        return  # no number to text (a grid report, an anonymous web form)
    recipient_id = (
        (ticket.recipient_id or ticket.phone_masked) if ticket else f"caller:{data.ticket_number}"
    )
    recipient = Recipient("phone", recipient_id or "", Audience.CITIZEN)
    await send_survey(DeliveryWriter.for_handler(ctx), Trigger.of(event), data, recipient)


async def _assignment(
    ctx: HandlerContext,
    event: EventEnvelope,
    unit_codes: list[str],
    unit_name: str,
    *,
    urgent: bool = False,
) -> None:
    """Tell the units a task is theirs, with its sign-in and handling deadlines."""
    data = event.data
    variables = task_assigned_variables(
        unit_name=unit_name,
        ticket_number=data.ticket_number,
        accept_due_at=data.accept_due_at,
        due_at=data.due_at,
    )
    await to_units(ctx, event, unit_codes, "task_assigned", variables, urgent=urgent)


async def _deadline(ctx: HandlerContext, event: EventEnvelope, template: str) -> None:
    data = event.data
    name = await task_unit_name(ctx, data.task_id, data.unit_code)
    variables = deadline_variables(
        ticket_number=data.ticket_number, unit_name=name, due_at=data.due_at
    )
    supervisor = data.supervisor_unit_code or await directory.supervisor_of(
        ctx.session, data.unit_code
    )
    await to_units(ctx, event, [data.unit_code] if data.unit_code else [], template, variables)
    if supervisor:
        # The supervisor oversees; it gets the in-app notice, the unit gets the SMS too.
        await to_units(ctx, event, [supervisor], template, variables, sms=False)


async def _remember_unit(ctx: HandlerContext, data: Any, unit_name: str | None) -> None:
    """After an assignment, reassignment or reopening: the task's unit and due date."""
    await _remember_task(
        ctx, data, unit_code=data.unit_code, unit_name=unit_name, due_at=data.due_at
    )


async def _remember_task(
    ctx: HandlerContext,
    data: Any,
    *,
    kind: str | None = None,
    unit_code: str | None = None,
    unit_name: str | None = None,
    due_at: datetime | None = None,
) -> None:
    """Upsert the task's context from a task event's ``data`` (ids, ticket number, area)."""
    await ctx.session.execute(
        _REMEMBER_TASK,
        {
            "task_id": data.task_id,
            "ticket_id": data.ticket_id,
            "ticket_number": data.ticket_number,
            "kind": kind or "ticket",
            "kind_known": kind is not None,
            "area_code": data.area_code,
            "unit_code": unit_code,
            "unit_name": unit_name,
            "due_at": due_at,
            "updated_at": ctx.clock(),
        },
    )


# Later events carry no unit name, due date or task kind: keep what the earlier ones said.
# (Plain SQL: SQLAlchemy compiles PostgreSQL's ON CONFLICT afresh on every call.)
_REMEMBER_TASK = text(
    """
    INSERT INTO task_contexts
        (task_id, ticket_id, ticket_number, kind, unit_code, unit_name, area_code, due_at,
         updated_at)
    VALUES
        (:task_id, :ticket_id, :ticket_number, :kind, :unit_code, :unit_name, :area_code,
         :due_at, :updated_at)
    ON CONFLICT (task_id) DO UPDATE SET
        unit_code = COALESCE(EXCLUDED.unit_code, task_contexts.unit_code),
        unit_name = COALESCE(EXCLUDED.unit_name, task_contexts.unit_name),
        due_at = COALESCE(EXCLUDED.due_at, task_contexts.due_at),
        kind = CASE WHEN :kind_known THEN EXCLUDED.kind ELSE task_contexts.kind END,
        updated_at = EXCLUDED.updated_at
    """
).bindparams(
    bindparam("task_id", type_=Uuid()),
    bindparam("ticket_id", type_=Uuid()),
    bindparam("due_at", type_=DateTime(timezone=True)),
    bindparam("updated_at", type_=DateTime(timezone=True)),
    bindparam("kind_known", type_=Boolean()),
)
