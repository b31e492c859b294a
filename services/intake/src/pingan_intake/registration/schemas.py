"""The body of a new ticket, as every channel submits it (``POST /v1/tickets``; Open311 builds
the same body from its form)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from pingan_common.events import Attachment, Channel, Urgency
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
    def _both_or_neither(cls, lat: float | None, info: ValidationInfo) -> float | None:
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
