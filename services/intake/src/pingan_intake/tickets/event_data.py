"""A stored ticket's facts as the value types its events carry, and the events themselves.

One implementation each: ``ticket.registered`` and ``ticket.split`` carry the same full ticket,
and consumers match callers across events by the phone hash, so both must come from here.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from pingan_common.auth import mask_contacts_in_text, mask_name, mask_phone
from pingan_common.events import (
    CallerSummary,
    Category,
    EventEnvelope,
    Location,
    TicketRegisteredData,
)
from pingan_intake.models import Ticket

E = TypeVar("E", bound=EventEnvelope)


def ticket_event(
    event_class: type[E],
    data: BaseModel,
    ticket: Ticket,
    *,
    at: datetime,
    cause: EventEnvelope | None = None,
) -> E:
    """Keyed and correlated by the ticket, so one ticket's events stay in order downstream;
    ``cause``: the event this one answers (a task's closing closes the ticket)."""
    return event_class.create(
        data, subject=str(ticket.id), correlationid=str(ticket.id), causation=cause, time=at
    )


def ticket_fields(ticket: Ticket, actor: str, at: datetime) -> dict[str, Any]:
    """What every ticket event after the registration starts with."""
    return {
        "ticket_id": ticket.id,
        "ticket_number": ticket.ticket_number,
        "area_code": ticket.area_code,
        "actor": actor,
        "occurred_at": at,
    }


def category_of(ticket: Ticket) -> Category:
    return Category(
        group=ticket.category_group, code=ticket.category_code, label=ticket.category_label
    )


def location_of(ticket: Ticket) -> Location:
    return Location(
        address=ticket.address,
        lon=ticket.lon,
        lat=ticket.lat,
        grid_code=ticket.grid_code,
        village_code=ticket.village_code,
        township_code=ticket.township_code,
        resolved=ticket.location_resolved,
    )


def phone_hash(phone: str | None, key: str) -> str | None:
    """Keyed, so other services can tell callers apart without learning their numbers."""
    if not phone:
        return None
    return hmac.new(key.encode(), phone.encode(), hashlib.sha256).hexdigest()


def resident_id_hash(id_number: str | None, key: str) -> str | None:
    """The stored (normalised, upper-case X) resident ID under the phone key: riskassess hashes
    a registered key person's ID the same way, so a call matches without the number leaving."""
    return phone_hash(id_number, key)


def caller_of(ticket: Ticket, phone_hash_key: str) -> CallerSummary:
    return CallerSummary(
        name_masked=mask_name(ticket.caller_name),
        phone_masked=mask_phone(ticket.caller_phone),
        phone_hash=phone_hash(ticket.caller_phone, phone_hash_key),
    )


def registered_data(ticket: Ticket, phone_hash_key: str) -> TicketRegisteredData:
    """The ticket in full, repeat-call link included (set by the duplicate gate)."""
    return TicketRegisteredData(
        ticket_id=ticket.id,
        ticket_number=ticket.ticket_number,
        channel=ticket.channel,
        # Other services get the description with phone and ID numbers masked: they need the
        # matter, not the caller's numbers (notify asks intake for a contact, audited).
        description=mask_contacts_in_text(ticket.description),
        category=category_of(ticket),
        urgency=ticket.urgency,
        disposition=ticket.disposition,
        dispositions=ticket.dispositions,
        risk_level=ticket.risk_level,
        location=location_of(ticket),
        area_code=ticket.area_code,
        caller=caller_of(ticket, phone_hash_key),
        caller_id_hash=resident_id_hash(ticket.caller_id_number, phone_hash_key),
        reported_at=ticket.reported_at,
        registered_at=ticket.registered_at,
        registered_by=ticket.registered_by,
        external_ref=ticket.external_ref,
        external_received_at=ticket.external_received_at,
        attachments=ticket.attachments or [],
        repeat_of_ticket_id=ticket.repeat_of_ticket_id,
        repeat_count=ticket.repeat_count or 1,
    )
