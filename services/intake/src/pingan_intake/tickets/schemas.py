"""REST bodies of the intake API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)

from pingan_common.events import Attachment, Channel, Disposition, RiskLevel, Urgency
from pingan_intake.inputs.phones import normalise_phone
from pingan_intake.inputs.resident_ids import normalise_resident_id
from pingan_intake.inputs.text import CleanText

MAX_ATTACHMENTS = 20


def _plausible_year(value: datetime | None) -> datetime | None:
    # By the year alone, before any zone arithmetic: 0001-01-01T00:00+14:00 would overflow it.
    if value is not None and not 2000 <= value.year <= 2100:
        raise ValueError("must lie between the years 2000 and 2100")
    return value


RecentTime = Annotated[AwareDatetime, AfterValidator(_plausible_year)]
ExternalRef = Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9_\-:.]+$")]


class CallerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: CleanText | None = Field(default=None, max_length=50, examples=["王女士"])
    phone: str | None = Field(
        default=None,
        max_length=32,
        examples=["138 0013 8000"],
        description="Mobile or landline; spaces, dashes, +86/0086 accepted",
    )
    id_number: str | None = Field(
        default=None,
        max_length=24,
        examples=["11010519491231002X"],
        description="Resident ID number (居民身份证), checked by its check digit; optional",
    )

    @field_validator("phone")
    @classmethod
    def _normalise_phone(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value else None

    @field_validator("id_number")
    @classmethod
    def _check_id_number(cls, value: str | None) -> str | None:
        return normalise_resident_id(value) if value else None


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: CleanText | None = Field(default=None, max_length=300, examples=["城关街道人民路12号"])
    lon: float | None = Field(default=None, ge=73, le=136, examples=[119.75])
    # validate_default: the pairing check must also run when lat is left out.
    lat: float | None = Field(default=None, ge=3, le=54, validate_default=True, examples=[28.15])
    grid_code: str | None = Field(default=None, pattern=r"^\d{14}$", examples=["33119900100101"])

    @field_validator("lat")
    @classmethod
    def _both_or_neither(cls, lat: float | None, info) -> float | None:  # type: ignore[no-untyped-def]
        if (lat is None) != (info.data.get("lon") is None):
            raise ValueError("give both lon and lat, or neither")
        return lat


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file_name: CleanText = Field(min_length=1, max_length=255, examples=["现场照片1.jpg"])
    content_type: str = Field(
        max_length=100, pattern=r"^[a-z]+/[a-z0-9.+\-]+$", examples=["image/jpeg"]
    )
    size_bytes: int = Field(ge=0, le=100 * 1024 * 1024)
    url: str = Field(
        max_length=2000,
        pattern=r"^https?://[^\s]+$",
        examples=["https://files.pingan.local/a/1.jpg"],
    )

    def as_event_value(self) -> Attachment:
        return Attachment(**self.model_dump())


class TicketCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "channel": "hotline_12345",
                    "description": "人民路和解放街路口的路灯坏了一个星期了，晚上很黑",
                    "caller": {"name": "王女士", "phone": "13800138000"},
                    "location": {"address": "城关街道人民路", "lon": 119.75, "lat": 28.15},
                }
            ]
        },
    )

    channel: Channel
    description: CleanText = Field(min_length=2, max_length=4000)
    caller: CallerIn = Field(default_factory=CallerIn)
    location: LocationIn = Field(default_factory=LocationIn)
    urgency: Urgency | None = Field(default=None, description="Operator's call; else classified")
    category_code: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[a-z0-9_]+$",
        examples=["street_light"],
        description=(
            "The submitter's chosen subcategory (e.g. an Open311 service_code); the classifier "
            "still raises threats and police matters from the text"
        ),
    )
    reported_at: RecentTime | None = Field(
        default=None, description="When the citizen reported it, with its zone (default: now)"
    )
    external_ref: ExternalRef | None = Field(
        default=None, description="The sender's own id for the matter"
    )
    incident_number: ExternalRef | None = Field(
        default=None,
        examples=["110-20261123-000042"],
        description="police_110 only: the 110 incident number (接警单号); required there",
    )
    received_by_110_at: RecentTime | None = Field(
        default=None, description="police_110 only: when 110 received the matter"
    )
    attachments: list[AttachmentIn] = Field(
        default_factory=list,
        max_length=MAX_ATTACHMENTS,
        description="Metadata of files stored elsewhere (photos of a grid report …)",
    )


class CategoryOut(BaseModel):
    group: str = Field(examples=["city_service"])
    code: str | None = Field(examples=["street_light"])
    label: str = Field(examples=["路灯故障"])


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


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"text": "小区门口燃气管道漏气，味道很大", "channel": "web"}]
        },
    )

    text: CleanText = Field(min_length=2, max_length=4000)
    channel: Channel | None = None


class AlternativeOut(BaseModel):
    group: str
    code: str
    label: str
    confidence: float


class ClassificationOut(BaseModel):
    group: str = Field(examples=["safety_hazard"])
    code: str | None = Field(examples=["gas_leak"])
    label: str = Field(examples=["燃气泄漏"])
    urgency: Urgency
    disposition: Disposition
    dispositions: list[Disposition]
    risk_level: RiskLevel | None
    confidence: float = Field(ge=0, le=1)
    alternatives: list[AlternativeOut]


class ReclassifyRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "neighbour",
                    "urgency": "normal",
                    "dispositions": ["mediation"],
                    "reason": "来电人说明是邻里之间的噪音矛盾，不是施工扰民",
                }
            ]
        },
    )

    code: str = Field(max_length=64, pattern=r"^[a-z0-9_]+$", description="Subcategory code")
    urgency: Urgency | None = Field(default=None, description="Default: the subcategory's")
    dispositions: list[Disposition] | None = Field(
        default=None, min_length=1, max_length=5, description="Primary first"
    )
    reason: CleanText = Field(min_length=2, max_length=500)


class CallerContact(BaseModel):
    ticket_id: UUID
    ticket_number: str
    phone: str | None = Field(description="E.164, e.g. +8613800138000")
    phone_national: str | None = Field(examples=["13800138000"])
    name: str | None
