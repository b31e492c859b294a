"""Retraction (撤单): the caller withdraws, with a reason; ``ticket.retracted`` then
``ticket.closed`` (resolution ``retracted``). Not on a closed ticket. A merged caller's retraction
detaches them from the master, whose matter stays open for the other callers; a master that still
has other callers can't be retracted (409): the matter is theirs too."""

from __future__ import annotations

from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal
from pingan_common.events.intake import TicketRetracted, TicketRetractedData
from pingan_common.problems import Conflict
from pingan_common.runtime import Runtime
from pingan_intake.amendments.recording import lock_open_ticket, record_amendment
from pingan_intake.duplicates.merging import detach_from_master
from pingan_intake.models import Ticket
from pingan_intake.tickets.closing import close_at_intake
from pingan_intake.tickets.event_data import ticket_event, ticket_fields
from pingan_intake.timeline.entries import intake_entry


async def retract(
    session: AsyncSession, runtime: Runtime, *, ticket: Ticket, reason: str, principal: Principal
) -> None:
    now = runtime.now()
    await lock_open_ticket(session, ticket, principal, "retracted")
    if ticket.caller_count > 1:
        raise Conflict(
            f"{ticket.caller_count - 1} other callers are merged into ticket "
            f"{ticket.ticket_number}; the matter stays open for them (split them off first if "
            "they are separate matters)"
        )
    if ticket.status == "merged":
        await detach_from_master(session, ticket, actor=principal.subject, reason=reason, now=now)
    record_amendment(session, ticket, "retraction", reason, principal.subject, now)
    outcome = f"来电人撤单：{reason}"
    session.add(intake_entry(ticket, now, "retracted", outcome, {"reason": reason}))
    data = TicketRetractedData(**ticket_fields(ticket, principal.subject, now), reason=reason)
    await runtime.publish(session, ticket_event(TicketRetracted, data, ticket, at=now))
    await close_at_intake(
        partial(runtime.publish, session),
        ticket,
        "retracted",
        outcome,
        actor=principal.subject,
        now=now,
    )
