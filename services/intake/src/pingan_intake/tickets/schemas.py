"""REST answers about stored tickets (masked unless asked for clearly), and the bodies and
answer of an operator's action on a ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from pingan_common.events import Attachment, Channel, Disposition, RiskLevel, Urgency
from pingan_intake.inputs.text import CleanText

TicketRef = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9\-]{1,64}$",
        description="Ticket id (UUID) or ticket number (QS…)",
    ),
]


class CategoryOut(BaseModel):
    group: str = Field(examples=["city_service"])
    code: str | None = Field(examples=["street_light"])
    label: str = Field(examples=["路灯故障"])
    confidence: float | None = Field(
        default=None,
        description="The classifier's calibrated confidence; null once a person chose the category",
    )
    needs_review: bool = Field(
        default=False,
        description="The classifier was too uncertain: the operator should confirm or correct it",
    )


class CallerOut(BaseModel):
    name: str | None = Field(description="Masked unless unmasked with a reason")
    phone: str | None = Field(description="Masked unless unmasked with a reason")
    id_number: str | None = Field(default=None, description="Masked unless unmasked with a reason")
    masked: bool = Field(default=True, description="False when this answer shows clear values")


class LocationOut(BaseModel):
    address: str | None
    lon: float | None
    lat: float | None
    grid_code: str | None
    village_code: str | None
    township_code: str | None
    area_code: str
    resolved: bool = Field(description="False: the dispatcher still has to locate it")


class TimelineEntryOut(BaseModel):
    at: datetime
    step: str = Field(examples=["task_assigned"])
    service: str
    summary: str
    details: dict


RepeatFlag = Literal["repeat", "third_call"]


class MasterRef(BaseModel):
    """The master ticket a call was merged into (并单), as the operator is told at once."""

    id: UUID
    ticket_number: str = Field(examples=["QS20261123000123"])
    caller_count: int = Field(description="Callers on the master's matter, this one included")


class DuplicateLinks(BaseModel):
    """并单 and 重复来电: where a ticket stands among the calls about its matter."""

    master_ticket_id: UUID | None = Field(
        default=None, description="Set while this call is merged into another ticket"
    )
    caller_count: int = Field(default=1, description="Callers on this ticket's matter (masters)")
    repeat_of_ticket_id: UUID | None = Field(
        default=None, description="The caller's first ticket on this matter (重复来电)"
    )
    repeat_count: int = Field(
        default=1, description="Calls by this caller on this matter in the window, this one too"
    )
    repeat_flag: RepeatFlag | None = Field(
        default=None, description="repeat (2nd call), third_call (3rd call or more: prominent)"
    )


class TicketRead(DuplicateLinks):
    id: UUID
    ticket_number: str
    channel: Channel
    status: str = Field(examples=["registered", "dispatched", "closed"])
    description: str
    category: CategoryOut
    urgency: Urgency
    disposition: Disposition
    dispositions: list[Disposition]
    risk_level: RiskLevel | None
    police_transfer_required: bool = Field(
        default=False, description="Police matter: the operator transfers the call to 110 now"
    )
    operator_prompt: str | None = Field(
        default=None, description="What the operator must do now, e.g. transfer to 110"
    )
    caller: CallerOut
    location: LocationOut
    external_ref: str | None = Field(description="e.g. the 110 incident number")
    received_by_110_at: datetime | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    reported_at: datetime
    registered_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    resolution: str | None = None
    merged_into: MasterRef | None = Field(
        default=None, description="The master this call was merged into, with its caller count"
    )
    timeline: list[TimelineEntryOut] = Field(default_factory=list)


class TicketSummary(DuplicateLinks):
    id: UUID
    ticket_number: str
    channel: Channel
    status: str
    category: CategoryOut
    urgency: Urgency
    disposition: Disposition
    area_code: str
    township_code: str | None
    grid_code: str | None
    location_resolved: bool
    caller_phone: str | None = Field(description="Masked")
    external_ref: str | None
    registered_at: datetime


class TicketCaller(BaseModel):
    """One caller on a matter: the master's own caller or a call merged into it."""

    ticket_id: UUID
    ticket_number: str
    master: bool = Field(description="True for the master ticket's own caller")
    status: str
    caller: CallerOut
    description: str
    registered_at: datetime
    repeat_count: int
    repeat_flag: RepeatFlag | None


class TicketCallers(BaseModel):
    master_ticket_id: UUID
    master_ticket_number: str
    caller_count: int
    callers: list[TicketCaller] = Field(description="The master's caller first, then by time")


class CallerContact(BaseModel):
    ticket_id: UUID
    ticket_number: str
    phone: str | None = Field(description="E.164, e.g. +8613800138000")
    phone_national: str | None = Field(examples=["13800138000"])
    name: str | None


# --- operator actions -----------------------------------------------------------------------------

ActionReason = Annotated[CleanText, Field(min_length=2, max_length=500)]


class ReasonRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "问题已自行解决，来电人撤回"}]}
    )

    reason: ActionReason


class TicketState(BaseModel):
    """A ticket's state after an action, with its merge and repeat links and timeline."""

    id: UUID
    ticket_number: str
    status: str = Field(examples=["merged", "registered", "closed"])
    resolution: str | None = Field(examples=["retracted", "answered"])
    closed_at: datetime | None
    master_ticket_id: UUID | None = Field(description="Set while merged into another ticket")
    caller_count: int = Field(description="Callers on this matter, this ticket's included")
    repeat_of_ticket_id: UUID | None = Field(description="The caller's first call on the matter")
    repeat_count: int
    repeat_flag: str | None = Field(examples=["repeat", "third_call"])
    updated_at: datetime
    timeline: list[TimelineEntryOut]
