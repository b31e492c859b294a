"""Mediation's reactions to intake and dispatch: a dispute ticket opens a case, and so does a
task its unit converted (转调解); a retracted ticket, or one merged into another (并单), withdraws
its case if the mediation has not started."""

from __future__ import annotations

from sqlalchemy import select

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events import TicketRegistered
from pingan_common.events.dispatch import TaskConvertedToCase
from pingan_common.events.intake import TicketMerged, TicketRetracted
from pingan_common.events.mediation import WithdrawalCause
from pingan_mediation.cases.lifecycle import NOT_STARTED, OPEN_STATES
from pingan_mediation.cases.progress import withdraw
from pingan_mediation.cases.registration import (
    needs_case,
    open_case_for_task,
    open_case_for_ticket,
)
from pingan_mediation.cases.work import CASES, Work
from pingan_mediation.models import Case


def _work(
    event: TicketRegistered | TicketRetracted | TicketMerged | TaskConvertedToCase,
    ctx: HandlerContext,
) -> Work:
    return Work(CASES, ctx.session, ctx.outbox, ctx.clock(), causation=event)


async def open_case(event: TicketRegistered, ctx: HandlerContext) -> None:
    if needs_case(event):
        await open_case_for_ticket(_work(event, ctx), event)


async def open_case_for_converted_task(event: TaskConvertedToCase, ctx: HandlerContext) -> None:
    """A converted task opens a case, once (the event id is the case's source); a ticket that
    already has an open case keeps that one, which the conversion is noted on."""
    data = event.data
    if await ctx.session.scalar(select(Case.id).where(Case.source_event_id == event.id)):
        return
    running = await ctx.session.scalar(
        select(Case)
        .where(Case.ticket_id == data.ticket_id, Case.state.in_(OPEN_STATES))
        .order_by(Case.opened_at)
        .limit(1)
        .with_for_update()
    )
    work = _work(event, ctx)
    if running is not None:
        details = {"task_id": data.task_id, "reason": data.reason, "unit_code": data.unit_code}
        work.record(running, "task-converted", running.state, details)
        return
    await open_case_for_task(work, event)


async def on_ticket_retracted(event: TicketRetracted, ctx: HandlerContext) -> None:
    await _withdraw_unstarted(event, ctx, "ticket_retracted", f"来电人撤单：{event.data.reason}")


async def on_ticket_merged(event: TicketMerged, ctx: HandlerContext) -> None:
    reason = f"工单已并入 {event.data.master_ticket_number}，由该工单的案件一并调处"
    await _withdraw_unstarted(event, ctx, "ticket_merged", reason)


async def _withdraw_unstarted(
    event: TicketRetracted | TicketMerged, ctx: HandlerContext, cause: WithdrawalCause, reason: str
) -> None:
    """A case whose mediation started (a mediator holds it) stays: the parties are in it."""
    cases = await ctx.session.scalars(
        select(Case)
        .where(Case.ticket_id == event.data.ticket_id, Case.state.in_(NOT_STARTED))
        .order_by(Case.id)
        .with_for_update()
    )
    work = _work(event, ctx)
    for case in cases:
        await withdraw(work, case, cause=cause, reason=reason)
