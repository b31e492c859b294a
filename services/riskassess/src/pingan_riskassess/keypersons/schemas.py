"""REST bodies of the key-person registry."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

KeyPersonCategory = Literal[
    "mental_disorder",  # 严重精神障碍患者
    "community_correction",  # 社区矫正人员
    "released_prisoner",  # 刑释人员
    "drug_user",  # 吸毒人员
    "key_petitioner",  # 重点信访人
    "key_youth",  # 重点青少年
]
CATEGORY_LABELS: dict[str, str] = {
    "mental_disorder": "严重精神障碍患者",
    "community_correction": "社区矫正人员",
    "released_prisoner": "刑释人员",
    "drug_user": "吸毒人员",
    "key_petitioner": "重点信访人",
    "key_youth": "重点青少年",
}
Rating = Literal["red", "orange", "yellow", "blue"]


class KeyPersonCreate(BaseModel):
    category: KeyPersonCategory
    name: str = Field(min_length=1, max_length=60)
    phone: str | None = Field(default=None, max_length=32)
    resident_id: str | None = Field(default=None, pattern=r"^\d{17}[\dXx]$")
    address: str | None = Field(default=None, max_length=200)
    area_code: str = Field(pattern=r"^\d{6}(\d{3}(\d{3}(\d{2})?)?)?$")
    case_officer: str = Field(min_length=1, max_length=100)
    guardian: str | None = Field(default=None, max_length=100)
    risk_rating: Rating = "yellow"
    visit_interval_days: int = Field(default=30, ge=1, le=365)


class KeyPersonRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    ref: str = Field(description="The registry reference events and alerts carry")
    category: str
    name: str
    address: str | None
    area_code: str
    case_officer: str
    guardian: str | None
    status: str = Field(examples=["registered"])
    risk_rating: str
    visit_interval_days: int
    last_visit_at: datetime | None
    next_visit_due_at: datetime
    lost_contact: bool


class VisitCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"found": True, "notes": "上门走访，本人在家，情绪稳定"}]}
    )

    found: bool = Field(description="False: the person was not found (脱管)")
    notes: str = Field(min_length=2, max_length=2000)


class DueVisitRead(BaseModel):
    """A visit due (走访) as the grid worker sees it: what a visitor needs to find and see the
    person, nothing more — no category, rating, phone, ID, case officer or guardian."""

    person_id: UUID
    ref: str = Field(examples=["KP-0A1B2C3D4E5F"])
    name: str = Field(examples=["孙某某"])
    address: str | None = Field(examples=["城关街道人民路18号"])
    area_code: str = Field(
        description="The grid (or village) registered", examples=["33119900100101"]
    )
    next_visit_due_at: datetime
    overdue: bool = Field(description="The visit is past due (走访逾期)")
    last_visit_at: datetime | None
    lost_contact: bool = Field(description="The last visit did not find the person (脱管)")

    @classmethod
    def of(cls, person: Any, now: datetime) -> DueVisitRead:
        return cls(
            person_id=person.id,
            ref=person.ref,
            name=person.name,
            address=person.address,
            area_code=person.area_code,
            next_visit_due_at=person.next_visit_due_at,
            overdue=person.next_visit_due_at <= now,
            last_visit_at=person.last_visit_at,
            lost_contact=person.lost_contact,
        )


class StatusChange(BaseModel):
    status: Literal["registered", "released"]
    reason: str = Field(min_length=2, max_length=500)
