"""12345–110 linkage, both ways.

- A 12345 (or grid, web, third-party) matter that is a police matter now — violence in progress,
  a threat to life, a crime happening — is transferred to 110 at once: the operator is told to
  transfer the call, and ``ticket.transferred_to_police`` is published with the registration
  (or with the operator's reclassification that makes it one). Matters that 110 itself sent us
  are never sent back.
- A matter 110 transferred to us gets its outcome fed back when the ticket closes
  (``ticket.police_feedback``, delivered by notify to the 110 system's webhook).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.events import Channel, Disposition
from pingan_common.events.intake import (
    PoliceFeedbackData,
    TicketClosedData,
    TicketTransferredToPolice,
    TicketTransferredToPoliceData,
)
from pingan_common.runtime import Runtime
from pingan_intake.models import Ticket, TimelineEntry
from pingan_intake.tickets.event_data import category_of, location_of, ticket_event, ticket_fields
from pingan_intake.timeline.entries import intake_entry

OPERATOR_PROMPT = "警情：请立即将来电转接110（12345–110联动），并告知来电人保持电话畅通"
SUMMARY_LENGTH = 200


def is_police_matter(ticket: Ticket) -> bool:
    return Disposition.POLICE_TRANSFER.value in ticket.dispositions


def must_transfer(ticket: Ticket) -> bool:
    return is_police_matter(ticket) and ticket.channel != Channel.POLICE_110.value


def operator_prompt(ticket: Ticket) -> str | None:
    return OPERATOR_PROMPT if must_transfer(ticket) else None


async def transfer_to_police(
    session: AsyncSession, runtime: Runtime, ticket: Ticket, *, actor: str, now: datetime
) -> TimelineEntry:
    """Publish the 110 hand-over in the caller's transaction; the timeline shows it."""
    data = TicketTransferredToPoliceData(
        **ticket_fields(ticket, actor, now),
        reason=f"{ticket.category_label}：需公安即时处置（{ticket.urgency}）",
        category=category_of(ticket),
        urgency=ticket.urgency,
        location=location_of(ticket),
        summary=ticket.description[:SUMMARY_LENGTH],
    )
    await runtime.publish(session, ticket_event(TicketTransferredToPolice, data, ticket, at=now))
    entry = intake_entry(
        ticket,
        now,
        "transferred_to_police",
        f"警情移交110：{ticket.category_label}",
        {"urgency": ticket.urgency},
    )
    session.add(entry)
    return entry


def feedback_due(ticket: Ticket) -> bool:
    return ticket.channel == Channel.POLICE_110.value and bool(ticket.external_ref)


def feedback_data(ticket: Ticket, closed: TicketClosedData) -> PoliceFeedbackData:
    assert ticket.external_ref is not None
    return PoliceFeedbackData(
        **ticket_fields(ticket, closed.actor, closed.occurred_at),
        incident_number=ticket.external_ref,
        received_by_110_at=ticket.external_received_at,
        resolution=closed.resolution,
        outcome=closed.outcome,
        handled_by=closed.handled_by,
        closed_at=closed.occurred_at,
    )
