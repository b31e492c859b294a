"""Turning stored tickets into API answers, personal data masked unless asked for clearly."""

from __future__ import annotations

from pingan_common.auth import mask_id_number, mask_name, mask_phone
from pingan_intake import police
from pingan_intake.models import Ticket, TimelineEntry
from pingan_intake.schemas import (
    CallerOut,
    CategoryOut,
    LocationOut,
    TicketRead,
    TicketSummary,
    TimelineEntryOut,
)


def ticket_read(ticket: Ticket, timeline: list[TimelineEntry], *, clear: bool) -> TicketRead:
    return TicketRead(
        id=ticket.id,
        ticket_number=ticket.ticket_number,
        channel=ticket.channel,
        status=ticket.status,
        description=ticket.description,
        category=_category(ticket),
        urgency=ticket.urgency,
        disposition=ticket.disposition,
        dispositions=ticket.dispositions,
        risk_level=ticket.risk_level,
        police_transfer_required=police.must_transfer(ticket),
        operator_prompt=police.operator_prompt(ticket),
        caller=_caller(ticket, clear=clear),
        location=LocationOut(
            address=ticket.address,
            lon=ticket.lon,
            lat=ticket.lat,
            grid_code=ticket.grid_code,
            village_code=ticket.village_code,
            township_code=ticket.township_code,
            area_code=ticket.area_code,
            resolved=ticket.location_resolved,
        ),
        external_ref=ticket.external_ref,
        received_by_110_at=ticket.external_received_at,
        attachments=ticket.attachments or [],
        reported_at=ticket.reported_at,
        registered_at=ticket.registered_at,
        updated_at=ticket.updated_at,
        closed_at=ticket.closed_at,
        resolution=ticket.resolution,
        timeline=[
            TimelineEntryOut(
                at=e.at, step=e.step, service=e.service, summary=e.summary, details=e.details
            )
            for e in timeline
        ],
    )


def _caller(ticket: Ticket, *, clear: bool) -> CallerOut:
    if clear:
        return CallerOut(
            name=ticket.caller_name,
            phone=ticket.caller_phone,
            id_number=ticket.caller_id_number,
            masked=False,
        )
    return CallerOut(
        name=mask_name(ticket.caller_name),
        phone=mask_phone(ticket.caller_phone),
        id_number=mask_id_number(ticket.caller_id_number),
    )


def ticket_summary(ticket: Ticket) -> TicketSummary:
    return TicketSummary(
        id=ticket.id,
        ticket_number=ticket.ticket_number,
        channel=ticket.channel,
        status=ticket.status,
        category=_category(ticket),
        urgency=ticket.urgency,
        disposition=ticket.disposition,
        area_code=ticket.area_code,
        township_code=ticket.township_code,
        grid_code=ticket.grid_code,
        location_resolved=ticket.location_resolved,
        caller_phone=mask_phone(ticket.caller_phone),
        external_ref=ticket.external_ref,
        registered_at=ticket.registered_at,
    )


def _category(ticket: Ticket) -> CategoryOut:
    return CategoryOut(
        group=ticket.category_group, code=ticket.category_code, label=ticket.category_label
    )
