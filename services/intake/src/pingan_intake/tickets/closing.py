"""Closing a ticket: ``ticket.closed``, the feedback 110 is owed for what it transferred, and the
calls merged into the ticket, which close with their master (并单).

``publish`` adds an event to the outbox of the caller's transaction: in a request
``partial(runtime.publish, session)``, in an event handler ``ctx.publish``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.events import EventEnvelope
from pingan_common.events.intake import (
    PoliceFeedback,
    TicketClosed,
    TicketClosedData,
    TicketResolution,
)
from pingan_intake.models import Ticket
from pingan_intake.police import linkage as police
from pingan_intake.tickets.event_data import ticket_event, ticket_fields
from pingan_intake.timeline.entries import intake_entry

Publish = Callable[[EventEnvelope], Awaitable[None]]


async def close_ticket(
    publish: Publish, ticket: Ticket, closed: TicketClosedData, *, cause: EventEnvelope | None
) -> None:
    ticket.status = "closed"
    ticket.resolution = closed.resolution
    ticket.closed_at = closed.occurred_at
    at = closed.occurred_at
    await publish(ticket_event(TicketClosed, closed, ticket, at=at, cause=cause))
    if police.feedback_due(ticket):
        feedback = police.feedback_data(ticket, closed)
        await publish(ticket_event(PoliceFeedback, feedback, ticket, at=at, cause=cause))


async def close_at_intake(
    publish: Publish,
    ticket: Ticket,
    resolution: TicketResolution,
    outcome: str,
    *,
    actor: str,
    now: datetime,
) -> None:
    """Closed by intake itself (retracted, answered, merged into a closed master), not by the
    other services' work."""
    ticket.updated_at = now
    closed = TicketClosedData(
        **ticket_fields(ticket, actor, now),
        channel=ticket.channel,
        resolution=resolution,
        outcome=outcome,
        external_ref=ticket.external_ref,
    )
    await close_ticket(publish, ticket, closed, cause=None)


async def close_merged_tickets(
    session: AsyncSession,
    publish: Publish,
    master: Ticket,
    *,
    outcome: str,
    actor: str,
    now: datetime,
) -> None:
    """When a master closes, so do the calls merged into it (resolution ``merged``): each
    caller, and 110 for a transferred one, learns the outcome."""
    merged = await session.scalars(
        select(Ticket)
        .where(Ticket.master_ticket_id == master.id, Ticket.status == "merged")
        .order_by(Ticket.id)
        .with_for_update()
    )
    for ticket in merged:
        text = f"已并入 {master.ticket_number} 一并办理：{outcome}"
        session.add(intake_entry(ticket, now, "closed", text, {"master_ticket_id": str(master.id)}))
        await close_at_intake(publish, ticket, "merged", text, actor=actor, now=now)
