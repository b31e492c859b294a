"""What every amendment does first and keeps afterwards: the open ticket locked, the amendment
row (who added what, when)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, ensure_visible
from pingan_common.problems import Conflict
from pingan_intake.models import Ticket, TicketAmendment
from pingan_intake.tickets.lookup import lock_with_master


async def lock_open_ticket(
    session: AsyncSession, ticket: Ticket, principal: Principal, action: str
) -> None:
    """By staff of the ticket's area, under the ticket's (and master's) lock, on a ticket not
    yet closed; ``action`` names the refusal (the ticket "cannot be {action}")."""
    ensure_visible(principal, ticket.area_code, "ticket", ticket.ticket_number)
    await lock_with_master(session, ticket)
    if ticket.status == "closed":
        raise Conflict(f"ticket {ticket.ticket_number} is closed and cannot be {action}")


def record_amendment(
    session: AsyncSession,
    ticket: Ticket,
    kind: str,
    text: str,
    actor: str,
    now: datetime,
    *,
    attachments: list[dict] | None = None,
    knowledge_entry_id: str | None = None,
) -> None:
    session.add(
        TicketAmendment(
            ticket_id=ticket.id,
            kind=kind,
            text=text,
            attachments=attachments or [],
            knowledge_entry_id=knowledge_entry_id,
            actor=actor,
            at=now,
        )
    )
