"""Finding stored tickets, and locking them for a change."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.problems import NotFound
from pingan_intake.models import Ticket


async def find_ticket(
    session: AsyncSession, ticket_ref: str, *, for_update: bool = False
) -> Ticket:
    """By UUID or by ticket number (what a citizen reads out on the phone)."""
    try:
        condition = Ticket.id == UUID(ticket_ref)
    except ValueError:
        condition = Ticket.ticket_number == ticket_ref
    query = select(Ticket).where(condition)
    if for_update:
        query = query.with_for_update()
    ticket = await session.scalar(query)
    if ticket is None:
        raise NotFound("ticket", ticket_ref)
    return ticket


async def master_of(session: AsyncSession, ticket: Ticket) -> Ticket | None:
    """The ticket this one is merged into, if any."""
    if ticket.master_ticket_id is None:
        return None
    return await session.get(Ticket, ticket.master_ticket_id)


async def locked_ticket(session: AsyncSession, ticket_id: UUID) -> Ticket | None:
    """Row-locked until commit, and reloaded: another transaction may have changed it."""
    return await session.scalar(
        select(Ticket)
        .where(Ticket.id == ticket_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def lock_pair(session: AsyncSession, first_id: UUID, second_id: UUID) -> None:
    """Row-lock two tickets in id order, so two operators never deadlock each other."""
    await session.execute(
        select(Ticket.id)
        .where(or_(Ticket.id == first_id, Ticket.id == second_id))
        .order_by(Ticket.id)
        .with_for_update()
    )


async def lock_with_master(session: AsyncSession, ticket: Ticket) -> None:
    """Row-lock a ticket and, when merged, its master, in id order, and reload the ticket."""
    while True:
        master_id = ticket.master_ticket_id
        await lock_pair(session, ticket.id, master_id or ticket.id)
        await session.refresh(ticket)
        if ticket.master_ticket_id == master_id:
            return
        # Merged or split meanwhile: lock the new master too (locks held stay harmless).
