"""Turning stored tickets into API answers, personal data masked unless asked for clearly."""

from __future__ import annotations

from pingan_common.auth import mask_contacts_in_text, mask_id_number, mask_name, mask_phone
from pingan_intake.classification.calibration import needs_review
from pingan_intake.models import Ticket, TimelineEntry
from pingan_intake.police import linkage as police
from pingan_intake.tickets.schemas import (
    CallerOut,
    CategoryOut,
    LocationOut,
    MasterRef,
    TicketCaller,
    TicketCallers,
    TicketRead,
    TicketSummary,
    TimelineEntryOut,
)


def ticket_read(
    ticket: Ticket,
    timeline: list[TimelineEntry],
    *,
    clear: bool,
    master: Ticket | None = None,
) -> TicketRead:
    """``master``: the ticket this one is merged into, if the caller looked it up."""
    return TicketRead(
        **_links(ticket),
        merged_into=_master_ref(ticket, master),
        id=ticket.id,
        ticket_number=ticket.ticket_number,
        channel=ticket.channel,
        status=ticket.status,
        description=ticket.description if clear else mask_contacts_in_text(ticket.description),
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
        timeline=timeline_out(timeline),
    )


def timeline_out(timeline: list[TimelineEntry]) -> list[TimelineEntryOut]:
    return [
        TimelineEntryOut(
            at=e.at, step=e.step, service=e.service, summary=e.summary, details=e.details
        )
        for e in timeline
    ]


def _links(ticket: Ticket) -> dict:
    return {
        "master_ticket_id": ticket.master_ticket_id,
        "caller_count": ticket.caller_count or 1,
        "repeat_of_ticket_id": ticket.repeat_of_ticket_id,
        "repeat_count": ticket.repeat_count or 1,
        "repeat_flag": ticket.repeat_flag,
    }


def _master_ref(ticket: Ticket, master: Ticket | None) -> MasterRef | None:
    if master is None or ticket.master_ticket_id != master.id:
        return None
    return MasterRef(
        id=master.id, ticket_number=master.ticket_number, caller_count=master.caller_count
    )


def ticket_callers(master: Ticket, merged: list[Ticket], *, clear: bool) -> TicketCallers:
    return TicketCallers(
        master_ticket_id=master.id,
        master_ticket_number=master.ticket_number,
        caller_count=master.caller_count,
        callers=[_ticket_caller(t, t is master, clear=clear) for t in [master, *merged]],
    )


def _ticket_caller(ticket: Ticket, is_master: bool, *, clear: bool) -> TicketCaller:
    return TicketCaller(
        ticket_id=ticket.id,
        ticket_number=ticket.ticket_number,
        master=is_master,
        status=ticket.status,
        caller=_caller(ticket, clear=clear),
        # Numbers typed into the description are masked here as in the ticket's own view
        # (found by the security matrix's PII scan).
        description=ticket.description if clear else mask_contacts_in_text(ticket.description),
        registered_at=ticket.registered_at,
        repeat_count=ticket.repeat_count or 1,
        repeat_flag=ticket.repeat_flag,
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
        **_links(ticket),
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
    confidence = ticket.classifier_confidence
    return CategoryOut(
        group=ticket.category_group,
        code=ticket.category_code,
        label=ticket.category_label,
        confidence=confidence,
        needs_review=confidence is not None and needs_review(confidence),
    )
