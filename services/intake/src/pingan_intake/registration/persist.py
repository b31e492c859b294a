"""Registration, stage 5: the ticket stored — numbered, with its registered entry and what the
gate found (the repeat link, the master it joins); one flush for all of it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.events import Disposition
from pingan_intake.duplicates import gate
from pingan_intake.models import Ticket, TimelineEntry
from pingan_intake.registration.duplicates_gate import Screened
from pingan_intake.registration.numbering import ticket_number
from pingan_intake.timeline.entries import intake_entry


@dataclass(frozen=True)
class Stored:
    ticket: Ticket
    entries: tuple[TimelineEntry, ...]  # the new ticket's timeline so far, in order
    merged_into: Ticket | None
    merge_reason: str


async def persist(session: AsyncSession, screened: Screened, *, number_prefix: str) -> Stored:
    ticket = _new_ticket(screened, number_prefix)
    registered = intake_entry(
        ticket,
        ticket.registered_at,
        "registered",
        f"受理登记：{ticket.category_label}，处置方式 {_dispositions(ticket.dispositions)}",
        {"channel": ticket.channel, "area_code": ticket.area_code},
    )
    # The registered entry first: entries of one instant show in the order they were added.
    session.add_all([ticket, registered])
    outcome = gate.record(session, ticket, screened.verdict, ticket.registered_at)
    await session.flush()
    return Stored(ticket, (registered, *outcome.entries), outcome.merged_into, outcome.merge_reason)


def _new_ticket(screened: Screened, number_prefix: str) -> Ticket:
    submission, place, found = screened.submission, screened.place, screened.classification
    body, now = submission.body, submission.received_at
    location = body.location
    return Ticket(
        id=submission.ticket_id,
        ticket_number=ticket_number(number_prefix, now, screened.verdict.sequence),
        channel=body.channel.value,
        status="registered",
        description=body.description,
        caller_name=body.caller.name,
        caller_phone=body.caller.phone,
        caller_id_number=body.caller.id_number,
        address=location.address,
        place_key=place.key.text if place.key else None,
        lon=location.lon,
        lat=location.lat,
        grid_code=place.grid_code,
        village_code=place.village_code,
        township_code=place.township_code,
        area_code=place.area_code,
        location_resolved=place.resolved,
        category_group=found.group.value,
        category_code=found.code,
        category_label=found.label,
        urgency=(body.urgency or found.urgency).value,
        disposition=found.disposition.value,
        dispositions=[d.value for d in found.dispositions],
        risk_level=found.risk_level.value if found.risk_level else None,
        classifier_confidence=found.confidence,
        external_ref=body.incident_number or body.external_ref,
        external_received_at=body.received_by_110_at,
        attachments=[a.model_dump() for a in body.attachments],
        caller_count=1,
        repeat_count=1,
        reported_at=body.reported_at or now,
        registered_at=now,
        registered_by=submission.principal.subject,
        updated_at=now,
    )


def _dispositions(codes: list[str]) -> str:
    return "、".join(Disposition(code).label for code in codes)
