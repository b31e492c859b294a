"""Events published by the intake service."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.topics import INTAKE_TICKETS
from pingan_common.events.values import (
    CallerSummary,
    Category,
    Channel,
    Disposition,
    Location,
    Payload,
    RiskLevel,
    Urgency,
)


class TicketRegisteredData(Payload):
    ticket_id: UUID
    ticket_number: str = Field(examples=["QS20261123000123"])
    channel: Channel
    description: str
    category: Category
    urgency: Urgency
    disposition: Disposition
    dispositions: list[Disposition]
    risk_level: RiskLevel | None = None
    location: Location
    area_code: str = Field(
        description="Most specific area known: grid, village, township or county"
    )
    caller: CallerSummary
    reported_at: datetime
    registered_at: datetime
    registered_by: str
    external_ref: str | None = Field(default=None, description="e.g. the 110 incident number")


class TicketRegistered(EventEnvelope):
    """A ticket (工单) was registered by intake, from any channel (12345 hotline, 110 linkage,
    grid report, web, third-party system): classified, located to the most specific area known
    and given its dispositions. It starts every chain: the ticket id is the ``correlationid`` of
    each event that follows. Consumers act on ``dispositions`` (``task`` → dispatch opens a task,
    ``mediation`` → mediation opens a case, ``risk`` → riskassess screens it). Caller details
    travel masked only."""

    topic: ClassVar[str] = INTAKE_TICKETS
    type: Literal["pingan.intake.ticket.registered.v1"] = "pingan.intake.ticket.registered.v1"
    data: TicketRegisteredData
