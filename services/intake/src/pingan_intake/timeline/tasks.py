"""Dispatch's reports on a ticket's tasks: each step in the timeline, the status moved along
(dispatched, in progress, replied, back when reopened), and the ticket closed when the last of its
tasks closes (feeding the outcome back to 110 for matters 110 transferred), together with the
calls merged into it (并单)."""

from __future__ import annotations

from sqlalchemy import select

from pingan_common.bus.consumer import HandlerContext
from pingan_common.county_time import county_minute
from pingan_common.events.dispatch import (
    TaskAccepted,
    TaskAssigned,
    TaskAssignedData,
    TaskCallbackRecorded,
    TaskCancelled,
    TaskClosed,
    TaskCreated,
    TaskCreatedData,
    TaskDeadlineWarning,
    TaskEscalated,
    TaskEventData,
    TaskExtensionDecided,
    TaskExtensionRequested,
    TaskFlagged,
    TaskOverdue,
    TaskReassigned,
    TaskReopened,
    TaskReplied,
    TaskReturned,
    TaskReviewed,
    TaskReviewRejected,
)
from pingan_common.events.intake import TicketClosedData
from pingan_intake.models import Ticket, TicketTask
from pingan_intake.tickets.closing import close_merged_tickets, close_ticket
from pingan_intake.tickets.event_data import ticket_fields
from pingan_intake.tickets.status import FINISHED_STATUSES
from pingan_intake.timeline.cancel_reasons import cancel_reason_label
from pingan_intake.timeline.entries import intake_entry
from pingan_intake.timeline.projection import append_entry, has_open_work, track_task

VERDICTS = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}


def task_ref(data: TaskCreatedData | TaskAssignedData | TaskEventData) -> dict:
    return {"task_id": str(data.task_id)}


async def record_task_created(event: TaskCreated, ctx: HandlerContext) -> None:
    data = event.data
    step = "verification_task_created" if data.kind == "verification" else "task_created"
    ticket = await append_entry(
        ctx, event, data.ticket_id, step, f"生成工单任务：{data.summary}", task_ref(data)
    )
    if ticket is not None:
        await track_task(ctx, data.task_id, data.ticket_id, kind=data.kind, status="open")


async def record_task_assigned(event: TaskAssigned, ctx: HandlerContext) -> None:
    data = event.data
    ticket = await append_entry(
        ctx,
        event,
        data.ticket_id,
        "task_assigned",
        f"派单至 {data.unit_name}，办理时限 {county_minute(data.due_at)}",
        {
            **task_ref(data),
            "unit_code": data.unit_code,
            "unit_name": data.unit_name,
            "rule_id": data.rule_id,
            "due_at": data.due_at.isoformat(),
        },
        status="dispatched",
    )
    if ticket is not None:
        await track_task(ctx, data.task_id, data.ticket_id, unit_code=data.unit_code)


async def record_task_accepted(event: TaskAccepted, ctx: HandlerContext) -> None:
    data = event.data
    on_time = "按时" if data.within_limit else "超时"
    await append_entry(
        ctx,
        event,
        data.ticket_id,
        "task_accepted",
        f"{data.unit_code} 已签收（{on_time}）",
        task_ref(data),
        status="in_progress",
    )


async def record_task_returned(event: TaskReturned, ctx: HandlerContext) -> None:
    data = event.data
    await append_entry(
        ctx,
        event,
        data.ticket_id,
        "task_returned",
        f"{data.returned_by_unit_code} 退单：{data.reason}",
        {**task_ref(data), "reason_code": data.reason_code, "sent_to": data.sent_to},
    )


async def record_task_reassigned(event: TaskReassigned, ctx: HandlerContext) -> None:
    data = event.data
    ticket = await append_entry(
        ctx,
        event,
        data.ticket_id,
        "task_reassigned",
        f"改派至 {data.unit_name}：{data.reason}",
        {
            **task_ref(data),
            "unit_code": data.unit_code,
            "unit_name": data.unit_name,
            "previous_unit_code": data.previous_unit_code,
            "due_at": data.due_at.isoformat(),
        },
        status="dispatched",
        force=True,
    )
    if ticket is not None:
        await track_task(ctx, data.task_id, data.ticket_id, unit_code=data.unit_code)


async def record_extension_requested(event: TaskExtensionRequested, ctx: HandlerContext) -> None:
    data = event.data
    await append_entry(
        ctx,
        event,
        data.ticket_id,
        "extension_requested",
        f"申请延期至 {data.requested_due_at.isoformat()}：{data.reason}",
        task_ref(data),
    )


async def record_extension_decided(event: TaskExtensionDecided, ctx: HandlerContext) -> None:
    data = event.data
    decision = "批准" if data.approved else "驳回"
    await append_entry(
        ctx,
        event,
        data.ticket_id,
        "extension_decided",
        f"延期申请已{decision}，办理时限 {county_minute(data.due_at)}",
        {**task_ref(data), "approved": data.approved, "due_at": data.due_at.isoformat()},
    )


async def record_task_replied(event: TaskReplied, ctx: HandlerContext) -> None:
    data = event.data
    await append_entry(
        ctx,
        event,
        data.ticket_id,
        "task_replied",
        f"办结回复：{data.result}",
        {**task_ref(data), "on_time": data.on_time},
        status="replied",
    )


async def record_task_reviewed(event: TaskReviewed, ctx: HandlerContext) -> None:
    data = event.data
    await append_entry(ctx, event, data.ticket_id, "task_reviewed", "办结审核通过", task_ref(data))


async def record_review_rejected(event: TaskReviewRejected, ctx: HandlerContext) -> None:
    data = event.data
    await append_entry(
        ctx,
        event,
        data.ticket_id,
        "review_rejected",
        f"办结审核退回：{data.reason}",
        task_ref(data),
        status="in_progress",
        force=True,
    )


async def record_callback(event: TaskCallbackRecorded, ctx: HandlerContext) -> None:
    data = event.data
    await append_entry(
        ctx,
        event,
        data.ticket_id,
        "callback_recorded",
        f"回访：{VERDICTS[data.verdict]}",
        {**task_ref(data), "verdict": data.verdict, "source": data.source},
    )


async def record_task_reopened(event: TaskReopened, ctx: HandlerContext) -> None:
    data = event.data
    ticket = await append_entry(
        ctx,
        event,
        data.ticket_id,
        "task_reopened",
        f"重办（第{data.reopen_count}次）：{data.reason}",
        task_ref(data),
        status="dispatched",
        force=True,
    )
    if ticket is not None:
        await track_task(ctx, data.task_id, data.ticket_id, status="open")


async def record_task_cancelled(event: TaskCancelled, ctx: HandlerContext) -> None:
    data = event.data
    ticket = await append_entry(
        ctx,
        event,
        data.ticket_id,
        "task_cancelled",
        f"任务撤销（{cancel_reason_label(data.reason)}）",
        {**task_ref(data), "reason": data.reason},
    )
    if ticket is not None:
        await track_task(ctx, data.task_id, data.ticket_id, status="cancelled")


async def record_deadline_warning(event: TaskDeadlineWarning, ctx: HandlerContext) -> None:
    data = event.data
    await append_entry(
        ctx,
        event,
        data.ticket_id,
        "deadline_warning",
        f"临期预警：已用时限 {round(data.elapsed_fraction * 100)}%",
        {**task_ref(data), "deadline": data.deadline, "due_at": data.due_at.isoformat()},
    )


async def record_overdue(event: TaskOverdue, ctx: HandlerContext) -> None:
    data = event.data
    await append_entry(
        ctx,
        event,
        data.ticket_id,
        "overdue",
        f"超时催办（{'签收' if data.deadline == 'accept' else '办结'}时限已过）",
        {**task_ref(data), "deadline": data.deadline, "due_at": data.due_at.isoformat()},
    )


async def record_escalated(event: TaskEscalated, ctx: HandlerContext) -> None:
    data = event.data
    await append_entry(
        ctx,
        event,
        data.ticket_id,
        "escalated",
        f"督办：提级至 {data.escalated_to_unit_code}",
        {**task_ref(data), "escalated_to_unit_code": data.escalated_to_unit_code},
    )


async def record_flagged(event: TaskFlagged, ctx: HandlerContext) -> None:
    data = event.data
    summary = f"挂牌督办：{data.reason}" if data.flagged else "撤销挂牌督办"
    await append_entry(
        ctx, event, data.ticket_id, "flagged", summary, {**task_ref(data), "flagged": data.flagged}
    )


async def record_task_closed(event: TaskClosed, ctx: HandlerContext) -> None:
    data = event.data
    summary = "任务办结" + (f"，回访{VERDICTS[data.verdict]}" if data.verdict else "")
    ticket = await append_entry(
        ctx, event, data.ticket_id, "task_closed", summary, {**task_ref(data), "kind": data.kind}
    )
    if ticket is None:
        return
    await track_task(
        ctx,
        data.task_id,
        data.ticket_id,
        kind=data.kind,
        status="closed",
        result=data.result,
        handled_by=list(data.handled_by),
        verdict=data.verdict,
    )
    if data.kind == "ticket" and ticket.status not in FINISHED_STATUSES:
        await _close_when_tasks_done(ctx, event, ticket)


async def _close_when_tasks_done(ctx: HandlerContext, event: TaskClosed, ticket: Ticket) -> None:
    """The ticket closes with its last open task; a verification task (核查) does not count.
    The calls merged into it close with it: each caller (and 110, for a transfer) learns the
    outcome."""
    tasks = list(
        await ctx.session.scalars(
            select(TicketTask)
            .where(TicketTask.ticket_id == ticket.id, TicketTask.kind == "ticket")
            # In the order they were last touched, so the outcome reads in the order of work.
            .order_by(TicketTask.updated_at, TicketTask.task_id)
        )
    )
    if any(task.status == "open" for task in tasks):
        return
    if await has_open_work(ctx, ticket.id, "case"):
        return  # the mediation case still runs: its closing closes the ticket
    closed = _closed_data(ticket, event, [task for task in tasks if task.status == "closed"])
    ctx.session.add(
        intake_entry(
            ticket,
            event.time,  # with the task_closed entry it follows, not before it
            "closed",
            f"工单办结：{closed.outcome}",
            {"resolution": closed.resolution, "handled_by": closed.handled_by},
        )
    )
    await close_ticket(ctx.publish, ticket, closed, cause=event)
    await close_merged_tickets(
        ctx.session,
        ctx.publish,
        ticket,
        outcome=closed.outcome,
        actor=closed.actor,
        now=closed.occurred_at,
    )


def _closed_data(ticket: Ticket, event: TaskClosed, closed: list[TicketTask]) -> TicketClosedData:
    results = [task.result for task in closed if task.result]
    handled_by = list(dict.fromkeys(unit for task in closed for unit in task.handled_by))
    return TicketClosedData(
        **ticket_fields(ticket, event.data.actor, event.data.occurred_at),
        channel=ticket.channel,
        resolution="handled",
        outcome="；".join(results) or "已办结",
        handled_by=handled_by,
        satisfaction=event.data.verdict,
        external_ref=ticket.external_ref,
    )
