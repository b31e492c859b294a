"""Intake keeps each ticket's timeline and status current from what other services report."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select

from pingan_common.bus.consumer import HandlerContext, HandlerRegistry
from pingan_common.events import (
    AlertRaised,
    CaseOpened,
    DeliverySent,
    EventEnvelope,
    TaskAssigned,
    TaskCreated,
)
from pingan_intake.models import Ticket, TimelineEntry

# A later step never moves the status back: an assigned task outranks an opened case.
STATUS_RANK = {"registered": 0, "answered": 1, "mediating": 2, "dispatched": 3, "closed": 9}


async def record_task_created(event: TaskCreated, ctx: HandlerContext) -> None:
    await _append(
        ctx,
        event,
        event.data.ticket_id,
        "task_created",
        f"生成工单任务：{event.data.summary}",
        {"task_id": str(event.data.task_id)},
    )


async def record_task_assigned(event: TaskAssigned, ctx: HandlerContext) -> None:
    data = event.data
    await _append(
        ctx,
        event,
        data.ticket_id,
        "task_assigned",
        f"派单至 {data.unit_name}，办理时限 {data.due_at.isoformat()}",
        {
            "task_id": str(data.task_id),
            "unit_code": data.unit_code,
            "rule_id": data.rule_id,
            "due_at": data.due_at.isoformat(),
        },
        status="dispatched",
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


async def _append(
    ctx: HandlerContext,
    event: EventEnvelope,
    ticket_id: UUID,
    step: str,
    summary: str,
    details: dict,
    *,
    status: str | None = None,
) -> None:
    ticket = await ctx.session.scalar(
        select(Ticket).where(Ticket.id == ticket_id).with_for_update()
    )
    if ticket is None:
        # Events about tickets we never registered (another county's, or a test's) are noise.
        return
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
    if status and STATUS_RANK[status] > STATUS_RANK.get(ticket.status, 0):
        ticket.status = status
    ticket.updated_at = ctx.clock()


HANDLERS: HandlerRegistry = {
    TaskCreated: [record_task_created],
    TaskAssigned: [record_task_assigned],
    CaseOpened: [record_case_opened],
    AlertRaised: [record_alert_raised],
    DeliverySent: [record_delivery_sent],
}
