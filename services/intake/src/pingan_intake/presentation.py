"""Turning stored tickets into API answers, masking personal data by role."""

from __future__ import annotations

from pingan_common.auth import Principal, mask_phone
from pingan_intake.models import Ticket, TimelineEntry
from pingan_intake.schemas import (
    CallerOut,
    CategoryOut,
    LocationOut,
    TicketRead,
    TicketSummary,
    TimelineEntryOut,
)

# Roles that call citizens back and so need the full number; every such read is audited.
ROLES_SEEING_PHONE = frozenset({"operator", "dispatcher"})


def sees_full_phone(principal: Principal) -> bool:
    return principal.kind == "user" and bool(ROLES_SEEING_PHONE & principal.roles)


def ticket_read(ticket: Ticket, timeline: list[TimelineEntry], *, full_phone: bool) -> TicketRead:
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
        caller=CallerOut(
            name=ticket.caller_name,
            phone=ticket.caller_phone if full_phone else mask_phone(ticket.caller_phone),
        ),
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
        reported_at=ticket.reported_at,
        registered_at=ticket.registered_at,
        updated_at=ticket.updated_at,
        timeline=[
            TimelineEntryOut(
                at=e.at, step=e.step, service=e.service, summary=e.summary, details=e.details
            )
            for e in timeline
        ],
    )


def ticket_summary(ticket: Ticket) -> TicketSummary:
    return TicketSummary(
        id=ticket.id,
        ticket_number=ticket.ticket_number,
        channel=ticket.channel,
        status=ticket.status,
        category=_category(ticket),
        urgency=ticket.urgency,
        area_code=ticket.area_code,
        registered_at=ticket.registered_at,
    )


def _category(ticket: Ticket) -> CategoryOut:
    return CategoryOut(
        group=ticket.category_group, code=ticket.category_code, label=ticket.category_label
    )
