"""REST bodies of the intake API."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from pingan_common.events import Channel, Disposition, RiskLevel, Urgency
from pingan_intake.phones import normalise_phone

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Full-width letters and digits only: NFKC on the whole text would also turn the citizen's
# Chinese punctuation (，！？（）：) into ASCII.
_FULL_WIDTH_ALNUM = re.compile(r"[０-９Ａ-Ｚａ-ｚ]")


def clean_text(value: str) -> str:
    """Trim, normalise width (全角 digits and letters), drop control characters; keep newlines."""
    narrow = _FULL_WIDTH_ALNUM.sub(lambda m: unicodedata.normalize("NFKC", m.group()), value)
    return _CONTROL.sub("", narrow).strip()


def _clean_if_text(value: object) -> object:
    return clean_text(value) if isinstance(value, str) else value


# Cleaned before the length limits apply, so "   " is too short rather than an empty text.
CleanText = Annotated[str, BeforeValidator(_clean_if_text)]


class CallerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: CleanText | None = Field(default=None, max_length=50, examples=["王女士"])
    phone: str | None = Field(default=None, max_length=32, examples=["138 0013 8000"])

    @field_validator("phone")
    @classmethod
    def _normalise_phone(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value else None


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
    reported_at: AwareDatetime | None = Field(
        default=None, description="When the citizen reported it (default: now)"
    )
    external_ref: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[A-Za-z0-9_\-:.]+$",
        description="The sender's own id, e.g. the 110 incident number",
    )


class CategoryOut(BaseModel):
    group: str
    code: str | None
    label: str


class CallerOut(BaseModel):
    name: str | None
    phone: str | None = Field(description="Masked unless the reader's role needs the full number")


class LocationOut(BaseModel):
    address: str | None
    lon: float | None
    lat: float | None
    grid_code: str | None
    village_code: str | None
    township_code: str | None
    area_code: str
    resolved: bool


class TimelineEntryOut(BaseModel):
    at: datetime
    step: str = Field(examples=["task_assigned"])
    service: str
    summary: str
    details: dict


class TicketRead(BaseModel):
    id: UUID
    ticket_number: str
    channel: Channel
    status: str
    description: str
    category: CategoryOut
    urgency: Urgency
    disposition: Disposition
    dispositions: list[Disposition]
    risk_level: RiskLevel | None
    caller: CallerOut
    location: LocationOut
    external_ref: str | None
    reported_at: datetime
    registered_at: datetime
    updated_at: datetime
    timeline: list[TimelineEntryOut] = Field(default_factory=list)


class TicketSummary(BaseModel):
    id: UUID
    ticket_number: str
    channel: Channel
    status: str
    category: CategoryOut
    urgency: Urgency
    area_code: str
    registered_at: datetime
