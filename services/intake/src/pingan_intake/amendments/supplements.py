"""Supplements (补充): more facts or attachments from the caller, ``ticket.updated``. On a merged
ticket the supplement also goes to the master, because the master carries the only task."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, mask_contacts_in_text
from pingan_common.events import Attachment
from pingan_common.events.intake import TicketUpdated, TicketUpdatedData
from pingan_common.runtime import Runtime
from pingan_intake.amendments.recording import lock_open_ticket, record_amendment
from pingan_intake.models import Ticket
from pingan_intake.tickets.event_data import ticket_event, ticket_fields
from pingan_intake.tickets.lookup import find_ticket
from pingan_intake.timeline.entries import intake_entry


async def supplement(
    session: AsyncSession,
    runtime: Runtime,
    *,
    ticket: Ticket,
    text: str,
    attachments: list[Attachment],
    principal: Principal,
) -> None:
    now = runtime.now()
    await lock_open_ticket(session, ticket, principal, "supplemented")
    await _add_supplement(session, runtime, ticket, text, attachments, principal.subject, now)
    if ticket.status == "merged" and ticket.master_ticket_id is not None:
        master = await find_ticket(session, str(ticket.master_ticket_id))
        relayed = f"（来自并单工单 {ticket.ticket_number}）{text}"
        await _add_supplement(
            session, runtime, master, relayed, attachments, principal.subject, now
        )


async def _add_supplement(
    session: AsyncSession,
    runtime: Runtime,
    ticket: Ticket,
    text: str,
    attachments: list[Attachment],
    actor: str,
    now: datetime,
) -> None:
    """Record the supplement on the ticket, in its timeline, and publish ``ticket.updated``."""
    files = [a.model_dump() for a in attachments]
    ticket.updated_at = now
    record_amendment(session, ticket, "supplement", text, actor, now, attachments=files)
    # The timeline and the event show the matter, not numbers the caller gave (kept on the
    # amendment record, which only the ticket's audited clear read shows).
    shown = mask_contacts_in_text(text)
    summary = f"来电人补充：{shown}" + (f"（附件 {len(files)} 个）" if files else "")
    session.add(intake_entry(ticket, now, "supplemented", summary, {"attachments": files}))
    data = TicketUpdatedData(
        **ticket_fields(ticket, actor, now), supplement=shown, attachments=attachments
    )
    await runtime.publish(session, ticket_event(TicketUpdated, data, ticket, at=now))
