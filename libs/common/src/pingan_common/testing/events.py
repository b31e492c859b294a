"""Ready-made events for tests that feed a service from the broker."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from pingan_common.events import Category, Location, TicketRegistered, TicketRegisteredData


def ticket_registered(
    description: str = "人民路路灯坏了一个星期，晚上很黑",
    *,
    group: str = "city_service",
    code: str | None = "street_light",
    label: str = "路灯故障",
    dispositions: tuple[str, ...] = ("task",),
    urgency: str = "normal",
    township: str | None = "331199001",
    village: str | None = "331199001001",
    grid: str | None = "33119900100101",
    risk_level: str | None = None,
    ticket_id: UUID | None = None,
) -> TicketRegistered:
    """A TicketRegistered as intake publishes it, located as precisely as the arguments say."""
    ticket_id = ticket_id or uuid4()
    now = datetime.now(UTC)
    area_code = grid or village or township or "331199"
    data = TicketRegisteredData(
        ticket_id=ticket_id,
        ticket_number=f"QS{now:%Y%m%d}{ticket_id.int % 1_000_000:06d}",
        channel="hotline_12345",
        description=description,
        category=Category(group=group, code=code, label=label),
        urgency=urgency,
        disposition=dispositions[0],
        dispositions=list(dispositions),
        risk_level=risk_level,
        location=Location(
            grid_code=grid, village_code=village, township_code=township, resolved=bool(township)
        ),
        area_code=area_code,
        caller={"name_masked": "王*", "phone_masked": "138****8000"},
        reported_at=now,
        registered_at=now,
        registered_by="operator1",
    )
    return TicketRegistered.create(data, subject=str(ticket_id), correlationid=str(ticket_id))
