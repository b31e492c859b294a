"""How a report from another service lands on a ticket: a timeline entry (once per event, by
its id), the status moved forward, and intake's copy of the ticket's tasks."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events import EventEnvelope
from pingan_intake.models import Ticket, TicketTask, TimelineEntry
from pingan_intake.tickets.status import FINISHED_STATUSES

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


async def append_entry(
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
    """The ticket, row-locked, with the entry added; None for a ticket intake never registered.

    ``status``: where the step moves the ticket, if it is further along; ``force``: even back."""
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


async def track_task(
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


async def has_open_work(ctx: HandlerContext, ticket_id: UUID, kind: str) -> bool:
    """Whether a task (``ticket``) or a mediation case (``case``) of the ticket is still open:
    the ticket closes only when the last of them closes."""
    open_one = await ctx.session.scalar(
        select(TicketTask.task_id)
        .where(
            TicketTask.ticket_id == ticket_id,
            TicketTask.kind == kind,
            TicketTask.status == "open",
        )
        .limit(1)
    )
    return open_one is not None
