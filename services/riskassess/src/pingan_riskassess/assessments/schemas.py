"""REST bodies of the assessments API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class AssessmentCreate(BaseModel):
    title: str = Field(min_length=2, max_length=200, examples=["城东片区征地拆迁项目"])
    matter_kind: Literal[
        "land_expropriation", "environmental_project", "large_construction", "other"
    ]
    area_code: str = Field(pattern=r"^\d{6}(\d{3}(\d{3}(\d{2})?)?)?$")
    procedure: Literal["normal", "simplified"] = "normal"
    affected_population: int = Field(ge=0, le=10_000_000)


class Scores(BaseModel):
    """The experts' mean scores, 0–100, per dimension."""

    legality: float = Field(ge=0, le=100, description="合法性")
    reasonableness: float = Field(ge=0, le=100, description="合理性")
    feasibility: float = Field(ge=0, le=100, description="可行性")
    controllability: float = Field(ge=0, le=100, description="可控性")


class ConcludeBody(BaseModel):
    conclusion: Literal["high", "medium", "low"]
    scores: Scores


class DecideBody(BaseModel):
    decision: Literal["proceed", "proceed_with_mitigations", "postpone", "reject"]
    reason: str = Field(min_length=2, max_length=1000)


class MitigationCreate(BaseModel):
    measure: str = Field(min_length=2, max_length=1000)
    owner: str = Field(min_length=1, max_length=100)
    due_date: date


class MitigationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    measure: str
    owner: str
    due_date: date
    done: bool


class AssessmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    title: str
    matter_kind: str
    area_code: str
    procedure: str
    affected_population: int
    state: str
    conclusion: str | None
    scores: dict | None
    decision: str | None
    decision_reason: str | None
    created_at: datetime
    version: int


class AssessmentDetail(AssessmentRead):
    mitigations: list[MitigationRead]
    allowed_actions: list[str]
