"""REST bodies of the 会商研判 meetings and the warning bulletins."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from pingan_common.events.values import RiskLevel

AreaCode = Annotated[str, Field(pattern=r"^\d{6}(\d{3}(\d{3}(\d{2})?)?)?$")]
UnitCode = Annotated[str, Field(pattern=r"^\d{6,14}-[A-Z0-9-]{1,12}$", examples=["331199001-ZZ"])]


class MeetingDecision(BaseModel):
    decision: str = Field(min_length=2, max_length=500, examples=["成立工作专班，逐户走访"])
    owner: str = Field(min_length=1, max_length=100, examples=["城关街道"])
    due_date: date | None = None


class MeetingCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "area_code": "331199",
                    "held_on": "2026-11-10",
                    "attendees": ["赵建国", "杨帆", "县信访局", "城关街道"],
                    "matters": ["城东征地拆迁信访苗头", "欠薪集中投诉"],
                    "decisions": [{"decision": "成立工作专班，逐户走访", "owner": "城关街道"}],
                }
            ]
        }
    )

    area_code: AreaCode
    held_on: date
    attendees: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        min_length=1, max_length=100
    )
    matters: list[Annotated[str, Field(min_length=2, max_length=1000)]] = Field(
        min_length=1, max_length=50, description="The matters discussed (研判事项)"
    )
    decisions: list[MeetingDecision] = Field(default_factory=list, max_length=50)


class MeetingRead(MeetingCreate):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    recorded_by: str
    created_at: datetime


class BulletinCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "area_code": "331199",
                    "level": "orange",
                    "title": "关于城东片区群体性苗头的预警通报",
                    "body": "近期城东片区征地拆迁相关来电明显增多，请相关单位加强排查化解。",
                    "unit_codes": ["331199001-ZZ"],
                    "area_codes": ["331199001"],
                }
            ]
        }
    )

    area_code: AreaCode = Field(description="The issuer's area: every target must lie inside it")
    level: RiskLevel
    title: str = Field(min_length=4, max_length=200)
    body: str = Field(min_length=4, max_length=5000)
    unit_codes: list[UnitCode] = Field(default_factory=list, max_length=100)
    area_codes: list[AreaCode] = Field(
        default_factory=list,
        max_length=100,
        description="Townships, villages or grids whose grid workers are told",
    )
    meeting_id: UUID | None = None


class BulletinRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    number: str
    level: str
    title: str
    body: str
    area_code: str
    unit_codes: list[str]
    area_codes: list[str]
    meeting_id: UUID | None
    issued_by: str
    issued_at: datetime
