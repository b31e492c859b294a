"""Registration, stage 6: what the other services learn. A call merged into a master is
``ticket.merged`` (downstream already has the matter and its one task); any other ticket is
``ticket.registered``, and a police matter is handed to 110 with it
(``ticket.transferred_to_police``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.events import TicketRegistered
from pingan_common.events.intake import TicketMerged
from pingan_common.runtime import Runtime
from pingan_intake.duplicates.merging import SYSTEM, merged_data
from pingan_intake.models import Ticket, TimelineEntry
from pingan_intake.police import linkage as police
from pingan_intake.registration.persist import Stored
from pingan_intake.state import intake_state
from pingan_intake.tickets.event_data import registered_data, ticket_event


@dataclass(frozen=True)
class Registration:
    ticket: Ticket
    timeline: list[TimelineEntry]
    # False when an idempotent retry found the first ticket.
    created: bool = True
    # The master the call was merged into (并单), if it was.
    master: Ticket | None = None


async def publish_events(session: AsyncSession, runtime: Runtime, stored: Stored) -> Registration:
    ticket, now = stored.ticket, stored.ticket.registered_at
    timeline = list(stored.entries)
    master = stored.merged_into
    if master is not None:
        data = merged_data(
            ticket, master, actor=SYSTEM, reason=stored.merge_reason, automatic=True, now=now
        )
        await runtime.publish(session, ticket_event(TicketMerged, data, ticket, at=now))
        return Registration(ticket, timeline, master=master)
    registered = registered_data(ticket, intake_state(runtime).settings.phone_hash_key)
    await runtime.publish(session, ticket_event(TicketRegistered, registered, ticket, at=now))
    if police.must_transfer(ticket):
        timeline.append(
            await police.transfer_to_police(
                session, runtime, ticket, actor=ticket.registered_by, now=now
            )
        )
    return Registration(ticket, timeline)
