"""Intake keeps each ticket's timeline and status current from what other services report,
and closes the ticket when the last of its tasks closes (feeding the outcome back to 110 for
matters 110 transferred), together with the calls merged into it (并单)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select

from pingan_common.bus.consumer import HandlerContext, HandlerRegistry
from pingan_common.events import AlertRaised, CaseOpened, DeliverySent, EventEnvelope
from pingan_common.events.dispatch import (
    TaskAccepted,
    TaskAssigned,
    TaskCallbackRecorded,
    TaskCancelled,
    TaskClosed,
    TaskCreated,
    TaskDeadlineWarning,
    TaskEscalated,
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
from pingan_common.events.intake import PoliceFeedback, TicketClosed, TicketClosedData
from pingan_intake.amendments import answers as amendments
from pingan_intake.models import Ticket, TicketTask, TimelineEntry
from pingan_intake.police import linkage as police

# A later step never moves the status back by itself (an assigned task outranks an opened case);
# a reopen or a rejected reply moves it back explicitly.
STATUS_RANK = {
    "registered": 0,
    "mediating": 2,
    "dispatched": 3,
    "in_progress": 4,
    "replied": 5,
    "closed": 9,
}
# Decided at intake (by the merges helper's use cases) or closed: no task event changes them.
FINISHED_STATUSES = frozenset({"closed", "merged", "retracted", "answered"})
VERDICTS = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}


async def record_task_created(event: TaskCreated, ctx: HandlerContext) -> None:
    data = event.data
    step = "verification_task_created" if data.kind == "verification" else "task_created"
    ticket = await _append(
        ctx, event, data.ticket_id, step, f"生成工单任务：{data.summary}", _task(data)
    )
    if ticket is not None:
        await _track_task(ctx, data.task_id, data.ticket_id, kind=data.kind, status="open")


async def record_task_assigned(event: TaskAssigned, ctx: HandlerContext) -> None:
    data = event.data
    ticket = await _append(
        ctx,
        event,
        data.ticket_id,
        "task_assigned",
        f"派单至 {data.unit_name}，办理时限 {data.due_at.isoformat()}",
        {
            **_task(data),
            "unit_code": data.unit_code,
            "unit_name": data.unit_name,
            "rule_id": data.rule_id,
            "due_at": data.due_at.isoformat(),
        },
        status="dispatched",
    )
    if ticket is not None:
        await _track_task(ctx, data.task_id, data.ticket_id, unit_code=data.unit_code)


async def record_task_accepted(event: TaskAccepted, ctx: HandlerContext) -> None:
    data = event.data
    on_time = "按时" if data.within_limit else "超时"
    await _append(
        ctx,
        event,
        data.ticket_id,
        "task_accepted",
        f"{data.unit_code} 已签收（{on_time}）",
        _task(data),
        status="in_progress",
    )


async def record_task_returned(event: TaskReturned, ctx: HandlerContext) -> None:
    data = event.data
    await _append(
        ctx,
        event,
        data.ticket_id,
        "task_returned",
        f"{data.returned_by_unit_code} 退单：{data.reason}",
        {**_task(data), "reason_code": data.reason_code, "sent_to": data.sent_to},
    )


async def record_task_reassigned(event: TaskReassigned, ctx: HandlerContext) -> None:
    data = event.data
    ticket = await _append(
        ctx,
        event,
        data.ticket_id,
        "task_reassigned",
        f"改派至 {data.unit_name}：{data.reason}",
        {
            **_task(data),
            "unit_code": data.unit_code,
            "unit_name": data.unit_name,
            "previous_unit_code": data.previous_unit_code,
            "due_at": data.due_at.isoformat(),
        },
        status="dispatched",
        force=True,
    )
    if ticket is not None:
        await _track_task(ctx, data.task_id, data.ticket_id, unit_code=data.unit_code)


async def record_extension_requested(event: TaskExtensionRequested, ctx: HandlerContext) -> None:
    data = event.data
    await _append(
        ctx,
        event,
        data.ticket_id,
        "extension_requested",
        f"申请延期至 {data.requested_due_at.isoformat()}：{data.reason}",
        _task(data),
    )


async def record_extension_decided(event: TaskExtensionDecided, ctx: HandlerContext) -> None:
    data = event.data
    decision = "批准" if data.approved else "驳回"
    await _append(
        ctx,
        event,
        data.ticket_id,
        "extension_decided",
        f"延期申请已{decision}，办理时限 {data.due_at.isoformat()}",
        {**_task(data), "approved": data.approved, "due_at": data.due_at.isoformat()},
    )


async def record_task_replied(event: TaskReplied, ctx: HandlerContext) -> None:
    data = event.data
    await _append(
        ctx,
        event,
        data.ticket_id,
        "task_replied",
        f"办结回复：{data.result}",
        {**_task(data), "on_time": data.on_time},
        status="replied",
    )


async def record_task_reviewed(event: TaskReviewed, ctx: HandlerContext) -> None:
    data = event.data
    await _append(ctx, event, data.ticket_id, "task_reviewed", "办结审核通过", _task(data))


async def record_review_rejected(event: TaskReviewRejected, ctx: HandlerContext) -> None:
    data = event.data
    await _append(
        ctx,
        event,
        data.ticket_id,
        "review_rejected",
        f"办结审核退回：{data.reason}",
        _task(data),
        status="in_progress",
        force=True,
    )


async def record_callback(event: TaskCallbackRecorded, ctx: HandlerContext) -> None:
    data = event.data
    await _append(
        ctx,
        event,
        data.ticket_id,
        "callback_recorded",
        f"回访：{VERDICTS[data.verdict]}",
        {**_task(data), "verdict": data.verdict, "source": data.source},
    )


async def record_task_reopened(event: TaskReopened, ctx: HandlerContext) -> None:
    data = event.data
    ticket = await _append(
        ctx,
        event,
        data.ticket_id,
        "task_reopened",
        f"重办（第{data.reopen_count}次）：{data.reason}",
        _task(data),
        status="dispatched",
        force=True,
    )
    if ticket is not None:
        await _track_task(ctx, data.task_id, data.ticket_id, status="open")


async def record_task_cancelled(event: TaskCancelled, ctx: HandlerContext) -> None:
    data = event.data
    ticket = await _append(
        ctx,
        event,
        data.ticket_id,
        "task_cancelled",
        f"任务撤销（{data.reason}）",
        {**_task(data), "reason": data.reason},
    )
    if ticket is not None:
        await _track_task(ctx, data.task_id, data.ticket_id, status="cancelled")


async def record_deadline_warning(event: TaskDeadlineWarning, ctx: HandlerContext) -> None:
    data = event.data
    await _append(
        ctx,
        event,
        data.ticket_id,
        "deadline_warning",
        f"临期预警：已用时限 {round(data.elapsed_fraction * 100)}%",
        {**_task(data), "deadline": data.deadline, "due_at": data.due_at.isoformat()},
    )


async def record_overdue(event: TaskOverdue, ctx: HandlerContext) -> None:
    data = event.data
    await _append(
        ctx,
        event,
        data.ticket_id,
        "overdue",
        f"超时催办（{'签收' if data.deadline == 'accept' else '办结'}时限已过）",
        {**_task(data), "deadline": data.deadline, "due_at": data.due_at.isoformat()},
    )


async def record_escalated(event: TaskEscalated, ctx: HandlerContext) -> None:
    data = event.data
    await _append(
        ctx,
        event,
        data.ticket_id,
        "escalated",
        f"督办：提级至 {data.escalated_to_unit_code}",
        {**_task(data), "escalated_to_unit_code": data.escalated_to_unit_code},
    )


async def record_flagged(event: TaskFlagged, ctx: HandlerContext) -> None:
    data = event.data
    summary = f"挂牌督办：{data.reason}" if data.flagged else "撤销挂牌督办"
    await _append(
        ctx, event, data.ticket_id, "flagged", summary, {**_task(data), "flagged": data.flagged}
    )


async def record_task_closed(event: TaskClosed, ctx: HandlerContext) -> None:
    data = event.data
    summary = "任务办结" + (f"，回访{VERDICTS[data.verdict]}" if data.verdict else "")
    ticket = await _append(
        ctx, event, data.ticket_id, "task_closed", summary, {**_task(data), "kind": data.kind}
    )
    if ticket is None:
        return
    await _track_task(
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
        await _close_if_done(ctx, event, ticket)


async def _close_if_done(ctx: HandlerContext, event: TaskClosed, ticket: Ticket) -> None:
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
    closed = [task for task in tasks if task.status == "closed"]
    data = _closed_data(ticket, event, closed)
    ticket.status = "closed"
    ticket.closed_at = data.occurred_at
    ticket.resolution = data.resolution
    ctx.session.add(
        TimelineEntry(
            ticket_id=ticket.id,
            at=event.time,  # with the task_closed entry it follows, not before it
            step="closed",
            service="intake",
            summary=f"工单办结：{data.outcome}",
            details={"resolution": data.resolution, "handled_by": data.handled_by},
        )
    )
    await ctx.publish(_ticket_event(TicketClosed, data, ticket, event))
    if police.feedback_due(ticket):
        feedback = police.feedback_data(ticket, data)
        await ctx.publish(_ticket_event(PoliceFeedback, feedback, ticket, event))
    await amendments.close_merged_tickets(
        ctx.session,
        ctx.publish,
        ticket,
        outcome=data.outcome,
        actor=data.actor,
        now=data.occurred_at,
    )


def _closed_data(ticket: Ticket, event: TaskClosed, closed: list[TicketTask]) -> TicketClosedData:
    results = [task.result for task in closed if task.result]
    handled_by = list(dict.fromkeys(unit for task in closed for unit in task.handled_by))
    return TicketClosedData(
        ticket_id=ticket.id,
        ticket_number=ticket.ticket_number,
        area_code=ticket.area_code,
        actor=event.data.actor,
        occurred_at=event.data.occurred_at,
        channel=ticket.channel,
        resolution="handled",
        outcome="；".join(results) or "已办结",
        handled_by=handled_by,
        satisfaction=event.data.verdict,
        external_ref=ticket.external_ref,
    )


def _ticket_event(event_class, data, ticket: Ticket, cause: EventEnvelope):  # type: ignore[no-untyped-def]
    return event_class.create(
        data,
        subject=str(ticket.id),
        correlationid=str(ticket.id),
        causation=cause,
        time=data.occurred_at,
    )


async def record_case_opened(event: CaseOpened, ctx: HandlerContext) -> None:
    data = event.data
    await _append(
        ctx,
        event,
        data.ticket_id,
        "case_opened",
        f"调解案件 {data.case_number} 已由 {data.committee_name} 受理",
        {"case_id": str(data.case_id), "committee_code": data.committee_code},
        status="mediating",
    )


async def record_alert_raised(event: AlertRaised, ctx: HandlerContext) -> None:
    data = event.data
    await _append(
        ctx,
        event,
        data.ticket_id,
        "alert_raised",
        f"风险预警（{data.level.value}）：{data.summary}",
        {"alert_id": str(data.alert_id), "level": data.level.value},
    )


async def record_delivery_sent(event: DeliverySent, ctx: HandlerContext) -> None:
    data = event.data
    if data.ticket_id is None:
        return
    await _append(
        ctx,
        event,
        data.ticket_id,
        "notified",
        f"已通知 {data.recipient}：{data.title}",
        {
            "delivery_id": str(data.delivery_id),
            "channel": data.channel,
            "recipient": data.recipient,
            "trigger_type": data.trigger_type,
        },
    )


def _task(data) -> dict:  # type: ignore[no-untyped-def]
    return {"task_id": str(data.task_id)}


async def _track_task(
    ctx: HandlerContext,
    task_id: UUID,
    ticket_id: UUID,
    *,
    kind: str | None = None,
    status: str | None = None,
    **changes: object,
) -> None:
    """What intake knows of one task; a task's events arrive in order (keyed by task id)."""
    task = await ctx.session.get(TicketTask, task_id)
    if task is None:
        task = TicketTask(task_id=task_id, ticket_id=ticket_id, kind="ticket", status="open")
        task.handled_by = []
        ctx.session.add(task)
    task.kind = kind or task.kind
    task.status = status or task.status
    for name, value in changes.items():
        setattr(task, name, value)
    task.updated_at = ctx.clock()


async def _append(
    ctx: HandlerContext,
    event: EventEnvelope,
    ticket_id: UUID,
    step: str,
    summary: str,
    details: dict,
    *,
    status: str | None = None,
    force: bool = False,
) -> Ticket | None:
    ticket = await ctx.session.scalar(
        select(Ticket).where(Ticket.id == ticket_id).with_for_update()
    )
    if ticket is None:
        # Events about tickets we never registered (another county's, or a test's) are noise.
        return None
    ctx.session.add(
        TimelineEntry(
            ticket_id=ticket_id,
            at=event.time,
            step=step,
            service=event.source.rsplit("/", 1)[-1],
            summary=summary,
            source_event_id=event.id,
            details=details,
        )
    )
    if status and _moves_to(ticket.status, status, force=force):
        ticket.status = status
    ticket.updated_at = ctx.clock()
    return ticket


def _moves_to(current: str, new: str, *, force: bool) -> bool:
    if current in FINISHED_STATUSES:
        return False
    return force or STATUS_RANK[new] > STATUS_RANK.get(current, 0)


HANDLERS: HandlerRegistry = {
    TaskCreated: [record_task_created],
    TaskAssigned: [record_task_assigned],
    TaskAccepted: [record_task_accepted],
    TaskReturned: [record_task_returned],
    TaskReassigned: [record_task_reassigned],
    TaskExtensionRequested: [record_extension_requested],
    TaskExtensionDecided: [record_extension_decided],
    TaskReplied: [record_task_replied],
    TaskReviewed: [record_task_reviewed],
    TaskReviewRejected: [record_review_rejected],
    TaskCallbackRecorded: [record_callback],
    TaskReopened: [record_task_reopened],
    TaskClosed: [record_task_closed],
    TaskCancelled: [record_task_cancelled],
    TaskDeadlineWarning: [record_deadline_warning],
    TaskOverdue: [record_overdue],
    TaskEscalated: [record_escalated],
    TaskFlagged: [record_flagged],
    CaseOpened: [record_case_opened],
    AlertRaised: [record_alert_raised],
    DeliverySent: [record_delivery_sent],
}
