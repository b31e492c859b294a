"""What dispatch does with other services' events: open, re-route, cancel and close tasks.

Each handler runs in the consumer's transaction with the inbox claim, so a redelivered event
changes nothing; the handlers also check the task's state, so an event that no longer
applies (a retraction after the task closed) is recorded as ignored, not applied twice.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID, uuid5

from sqlalchemy import select

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.intake import (
    TicketMerged,
    TicketReclassified,
    TicketRegistered,
    TicketRetracted,
    TicketSplit,
    TicketUpdated,
)
from pingan_common.events.notify import SurveyAnswered
from pingan_common.events.riskassess import VerificationRequested
from pingan_common.events.values import Category
from pingan_dispatch.models import Task
from pingan_dispatch.routing.engine import COUNTY_COMMAND_CENTER
from pingan_dispatch.sla.deadlines import Deadlines
from pingan_dispatch.tasks import lifecycle
from pingan_dispatch.tasks.handover import reroute
from pingan_dispatch.tasks.outcome import cancel, record_callback
from pingan_dispatch.tasks.schemas import CallbackBody
from pingan_dispatch.tasks.work import (
    NewTask,
    Work,
    assign,
    deadlines_from,
    manual_decision,
    open_task,
    route,
    set_deadlines,
    task_work,
    unit_exists,
)

log = logging.getLogger("pingan.dispatch.handlers")

VERIFICATION_CATEGORY = Category(group="public_order", code="risk_verification", label="风险核查")
# Where a verification task's ticket id comes from when the alert has no ticket.
_ALERT_NAMESPACE = UUID("6d1f8a52-3c1e-4a57-9d0e-5b8f1e2a7c40")


def _work(ctx: HandlerContext, event: EventEnvelope) -> Work:
    return task_work(ctx.session, ctx.outbox, ctx.clock(), causation=event)


async def open_task_for_ticket(event: TicketRegistered | TicketSplit, ctx: HandlerContext) -> None:
    data = event.data
    if "task" not in data.dispositions:
        return
    if isinstance(event, TicketSplit) and await _open_tasks(ctx, data.ticket_id):
        return  # a split ticket that already has its own task needs no second one
    location = data.location
    work = _work(ctx, event)
    task = await open_task(
        work,
        NewTask(
            source_event_id=event.id,
            ticket_id=data.ticket_id,
            ticket_number=data.ticket_number,
            summary=data.description,
            category=data.category,
            urgency=data.urgency.value,
            area_code=data.area_code,
            township_code=location.township_code,
            village_code=location.village_code,
            grid_code=location.grid_code,
            location_resolved=location.resolved,
        ),
    )
    if task is not None:
        await assign(work, task, await route(work, task))


async def cancel_for_retraction(event: TicketRetracted, ctx: HandlerContext) -> None:
    work = _work(ctx, event)
    for task in await _open_tasks(ctx, event.data.ticket_id):
        await cancel(work, task, reason="retracted", comment=event.data.reason)


async def cancel_for_merge(event: TicketMerged, ctx: HandlerContext) -> None:
    work = _work(ctx, event)
    comment = f"并入工单 {event.data.master_ticket_number}: {event.data.reason}"
    for task in await _open_tasks(ctx, event.data.ticket_id):
        await cancel(work, task, reason="merged", comment=comment)


async def follow_reclassification(event: TicketReclassified, ctx: HandlerContext) -> None:
    """New category or urgency: unaccepted tasks are routed again and their clock recomputed
    from its start; tasks already signed for keep their unit (the unit may return them)."""
    current = event.data.current
    work = _work(ctx, event)
    for task in await _open_tasks(ctx, event.data.ticket_id):
        if task.state not in ("created", "assigned"):
            continue
        if "task" not in current.dispositions:
            await cancel(work, task, reason="other", comment=f"改为无需派单: {event.data.reason}")
            continue
        task.category_group = current.category.group.value
        task.category_code = current.category.code
        task.category_label = current.category.label
        task.urgency = current.urgency.value
        if task.clock_started_at is not None:
            set_deadlines(task, deadlines_from(task, task.clock_started_at))
        work.record(task, "reclassify", task.state, {"reason": event.data.reason})
        await reroute(work, task, f"工单重新分类: {event.data.reason}")


async def note_supplement(event: TicketUpdated, ctx: HandlerContext) -> None:
    work = _work(ctx, event)
    for task in await _open_tasks(ctx, event.data.ticket_id):
        work.record(
            task,
            "supplement",
            task.state,
            {"supplement": event.data.supplement, "attachments": event.data.attachments},
        )


async def open_verification_task(event: VerificationRequested, ctx: HandlerContext) -> None:
    data = event.data
    work = _work(ctx, event)
    area = data.area_code
    task = await open_task(
        work,
        NewTask(
            source_event_id=event.id,
            ticket_id=data.ticket_id or uuid5(_ALERT_NAMESPACE, str(data.alert_id)),
            ticket_number=data.ticket_number or f"HC{data.alert_id.hex[:16].upper()}",
            summary=data.summary,
            category=VERIFICATION_CATEGORY,
            urgency="urgent" if data.level.value in ("red", "orange") else "normal",
            area_code=area,
            township_code=area[:9] if len(area) >= 9 else None,
            village_code=area[:12] if len(area) >= 12 else None,
            grid_code=area if len(area) >= 14 else None,
            location_resolved=len(area) >= 9,
            kind="verification",
            alert_id=data.alert_id,
        ),
    )
    if task is None:
        return
    unit_code, reason = await _verification_unit(ctx, task)
    if data.due_at is not None:
        set_deadlines(task, _with_due(deadlines_from(task, work.now), data.due_at))
    await assign(work, task, await manual_decision(ctx.session, unit_code, reason, []))


async def _verification_unit(ctx: HandlerContext, task: Task) -> tuple[str, str]:
    """The grid's unit (its grid worker) when the alert is located to a grid, else the
    township's 综治中心, else the county."""
    if task.grid_code and await unit_exists(ctx.session, f"{task.grid_code}-WG"):
        return f"{task.grid_code}-WG", "风险核查：由事发网格的网格员现场核查"
    if task.township_code and await unit_exists(ctx.session, f"{task.township_code}-ZZ"):
        return f"{task.township_code}-ZZ", "风险核查：由属地乡镇（街道）综治中心核查"
    return COUNTY_COMMAND_CENTER, "风险核查：地点不明，由县指挥中心核查"


def _with_due(deadlines: Deadlines, due_at: datetime) -> Deadlines:
    """Riskassess set the due date itself: warn at 80 % of that span, escalate an hour after."""
    span = due_at - deadlines.assigned_at
    return replace(
        deadlines,
        due_at=due_at,
        original_due_at=due_at,
        warn_at=deadlines.assigned_at + span * 4 / 5,
        escalate_at=due_at + timedelta(hours=1),
        rule="RISKASSESS-DUE",
    )


async def record_survey_answer(event: SurveyAnswered, ctx: HandlerContext) -> None:
    """The citizen's SMS answer is the callback — once the dispatcher has accepted the reply.

    Awaiting callback (``reviewed``): applied now. Replied but not yet reviewed: kept on the
    task and applied when the reply is accepted (dropped if the reply is sent back, since it
    judged a reply that no longer stands). Any other state: ignored (a late answer to a
    closed task, or an answer to a reopened one before its new reply). An answer whose id is
    no task's (the survey of a mediation case) is ignored too: mediation records it.
    """
    data = event.data
    task = await ctx.session.get(Task, data.task_id, with_for_update=True)
    if task is None or task.kind != "ticket":
        # The survey of a mediated ticket names its case here: mediation records that answer.
        log.info("survey answer %s names no task of dispatch: ignored", data.survey_id)
        return
    work = _work(ctx, event)
    if task.state == "reviewed":
        body = CallbackBody(verdict=data.verdict, resolved=None, comment=data.raw_reply)
        await record_callback(work, task, body, source="sms")
    elif task.state == "replied":
        task.pending_callback = {
            "verdict": data.verdict,
            "raw": data.raw_reply,
            "survey_id": str(data.survey_id),
            "answered_at": data.answered_at.isoformat(),
        }
        work.record(task, "survey-answer-held", task.state, {"verdict": data.verdict})
    else:
        work.record(task, "survey-answer-ignored", task.state, {"verdict": data.verdict})


async def _open_tasks(ctx: HandlerContext, ticket_id: UUID) -> list[Task]:
    rows = await ctx.session.scalars(
        select(Task)
        .where(Task.ticket_id == ticket_id, Task.state.in_(lifecycle.OPEN_STATES))
        .order_by(Task.id)
        .with_for_update()
    )
    return list(rows)
