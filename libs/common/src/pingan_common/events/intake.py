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
    topic: ClassVar[str] = INTAKE_TICKETS
    type: Literal["pingan.intake.ticket.registered.v1"] = "pingan.intake.ticket.registered.v1"
    data: TicketRegisteredData
