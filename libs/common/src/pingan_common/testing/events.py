"""Ready-made events for tests that feed a service from the broker."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pingan_common.events import TicketRegistered, TicketRegisteredData
from pingan_common.events.values import (
    CallerSummary,
    Category,
    CategoryGroup,
    Channel,
    Disposition,
    Location,
    Urgency,
)


def ticket_registered(ticket_id: uuid.UUID | None = None) -> TicketRegistered:
    """A valid TicketRegistered that calls for a task (a broken street light in 城关街道)."""
    ticket_id = ticket_id or uuid.uuid4()
    now = datetime.now(UTC)
    data = TicketRegisteredData(
        ticket_id=ticket_id,
        ticket_number=f"QS{ticket_id.int % 10**14:014d}",
        channel=Channel.HOTLINE_12345,
        description="人民路的路灯坏了",
        category=Category(group=CategoryGroup.CITY_SERVICE, code="street_light", label="路灯故障"),
        urgency=Urgency.NORMAL,
        disposition=Disposition.TASK,
        dispositions=[Disposition.TASK],
        location=Location(township_code="331199001", resolved=True),
        area_code="331199001",
        caller=CallerSummary(name_masked="王*", phone_masked="138****8000"),
        reported_at=now,
        registered_at=now,
        registered_by="operator1",
    )
    return TicketRegistered.create(data, subject=str(ticket_id), correlationid=str(ticket_id))
