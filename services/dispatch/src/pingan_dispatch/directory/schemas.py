"""REST bodies of the org directory API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from pingan_common.events.dispatch import Contact
from pingan_common.refdata import CategoryGroup, Role, UnitKind

AREA_CODE = r"^(\d{6}|\d{9}|\d{12}|\d{14})$"
Duty = Literal["leader", "dispatcher", "handler", "analyst"]


class UnitWrite(BaseModel):
    """A whole unit (PUT replaces it). ``supervisor_code`` left out: the default supervisor
    (the township's 综治中心 below a township, else the command center)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "幸福社区居民委员会",
                    "kind": "village_committee",
                    "area_code": "331199001001",
                    "parent_code": "331199001-ZZ",
                    "phone": "0578-6000036",
                    "expected_version": 1,
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=100)
    kind: UnitKind
    area_code: str = Field(pattern=AREA_CODE)
    parent_code: str | None = None
    supervisor_code: str | None = None
    category_groups: list[CategoryGroup] = Field(default_factory=list)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9-]{3,20}$")
    webhook_url: str | None = Field(default=None, pattern=r"^https?://\S{3,290}$")
    email: str | None = Field(default=None, pattern=r"^[^@\s]{1,64}@[^@\s]{1,54}$")
    active: bool = True
    expected_version: int | None = Field(
        default=None, description="Refuse (409) unless the unit is at this version"
    )


class UnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str = Field(examples=["331199001-ZZ"])
    name: str
    kind: str
    area_code: str
    parent_code: str | None
    supervisor_code: str | None
    category_groups: list[str]
    contacts: list[Contact]
    active: bool
    version: int
    changed_at: datetime | None


class UnitRef(BaseModel):
    code: str
    name: str


class ShiftRead(BaseModel):
    user_id: str
    name: str | None = None
    duty: Duty
    starts_at: datetime
    ends_at: datetime


class UnitDetail(UnitRead):
    children_count: int = Field(description="Active units directly below it")
    supervisor: UnitRef | None = Field(description="The unit that supervises it (督办)")
    on_duty_today: list[ShiftRead] = Field(description="Today's roster (值班表), county time")


class StaffWrite(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "潘志勇",
                    "roles": ["leader"],
                    "unit_code": "331199001-ZZ",
                    "area_code": "331199001",
                    "phone": "13800000030",
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=100)
    roles: list[Role] = Field(min_length=1)
    unit_code: str
    area_code: str = Field(pattern=AREA_CODE)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9-]{3,20}$")
    active: bool = True
    expected_version: int | None = None


class StaffRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: str = Field(examples=["leader2"])
    name: str
    roles: list[str]
    unit_code: str
    area_code: str
    phone: str | None
    active: bool
    version: int
    changed_at: datetime


class ShiftWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: str
    duty: Duty = Field(description="leader = 值班领导")
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class RosterWrite(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "shifts": [
                        {
                            "user_id": "leader2",
                            "duty": "leader",
                            "starts_at": "2026-11-24T08:30:00+08:00",
                            "ends_at": "2026-11-25T08:30:00+08:00",
                        }
                    ]
                }
            ]
        },
    )

    shifts: list[ShiftWrite] = Field(
        max_length=50, description="Empty clears the day: the unit's leaders are then on duty"
    )
    expected_version: int | None = None


class RosterRead(BaseModel):
    unit_code: str
    day: date
    shifts: list[ShiftRead]
    generated: bool = Field(description="The demo rotation, not set by a person")
    version: int
    changed_at: datetime
