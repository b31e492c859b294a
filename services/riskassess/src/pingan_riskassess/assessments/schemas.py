"""REST bodies of the assessments API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
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
    parties: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list,
        max_length=50,
        description="Organisations and people with a stake in the matter: experts with an "
        "interest in any of them are never drawn",
        examples=[["青山县城东开发建设有限公司", "城东村村民委员会"]],
    )


class Scores(BaseModel):
    """The experts' mean scores, 0–100, per dimension."""

    legality: float = Field(ge=0, le=100, description="合法性")
    reasonableness: float = Field(ge=0, le=100, description="合理性")
    feasibility: float = Field(ge=0, le=100, description="可行性")
    controllability: float = Field(ge=0, le=100, description="可控性")


class ConcludeBody(BaseModel):
    """The conclusion; the scores are the means of the drawn experts' scores (``procedure``).
    Extra fields are refused, so a client still sending ``scores`` hears that they moved."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"conclusion": "medium"}]}
    )

    conclusion: Literal["high", "medium", "low"]


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
    assessment_id: UUID
    measure: str
    owner: str
    due_date: date
    done: bool
    state: str = Field(description="planned, in_progress, done or overdue")
    started_at: datetime | None
    completed_at: datetime | None
    overdue_at: datetime | None
    notes: str | None
    version: int


class MitigationDetail(MitigationRead):
    allowed_actions: list[str]


class MitigationComplete(BaseModel):
    notes: str = Field(min_length=2, max_length=2000, examples=["补偿款已全部发放到户"])


class MitigationStart(BaseModel):
    notes: str | None = Field(default=None, max_length=2000, examples=["已成立工作专班"])


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
    parties: list[str]
    created_at: datetime
    version: int


class AssessmentDetail(AssessmentRead):
    mitigations: list[MitigationRead]
    experts: list[DrawnExpert] = Field(description="The experts drawn, with their scores")
    hearings: list[HearingRead]
    procedure_missing: list[str] = Field(
        description="What the procedure still needs before a conclusion (empty: may conclude)"
    )
    allowed_actions: list[str]


class ExpertCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "李明",
                    "field": "法律",
                    "organisation": "青山县律师协会",
                    "interests": ["青山县城东开发建设有限公司"],
                }
            ]
        }
    )

    name: str = Field(min_length=2, max_length=60)
    field: str = Field(min_length=2, max_length=60, description="专业领域: 法律, 规划, 环保…")
    organisation: str = Field(min_length=2, max_length=100)
    interests: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list,
        max_length=50,
        description="Organisations and people the expert has a stake in",
    )
    conflict_assessment_ids: list[UUID] = Field(
        default_factory=list,
        max_length=200,
        description="Matters the expert declared a conflict on",
    )


class ExpertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    field: str
    organisation: str
    interests: list[str]
    conflict_assessment_ids: list[UUID]
    active: bool


class DrawBody(BaseModel):
    count: int = Field(ge=1, le=15, examples=[5])
    seed: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=r"^[\w.:-]+$",
        description="Replays a draw; by default a fresh random seed, recorded with the draw",
    )


class DrawnExpert(BaseModel):
    expert_id: int
    name: str
    field: str
    organisation: str
    position: int
    seed: str
    scores: dict[str, float] | None
    opinion: str | None


class DrawRead(BaseModel):
    seed: str
    drawn: list[int]
    excluded: list[int] = Field(description="Pool members left out for a conflict of interest")
    eligible: list[int] = Field(description="The pool the draw chose from, in id order")
    experts: list[DrawnExpert] = Field(description="Every expert drawn for the matter so far")


class ExpertScoreBody(Scores):
    opinion: str | None = Field(
        default=None, max_length=2000, examples=["补偿方案合法，需加强沟通"]
    )


class HearingCreate(BaseModel):
    kind: Literal["hearing", "symposium", "consultation", "public_notice"] = Field(
        description="听证会 hearing, 座谈会 symposium, 征求意见 consultation, 公示 public_notice"
    )
    held_on: date
    attendees: int = Field(ge=0, le=100_000, examples=[46])
    summary: str = Field(min_length=2, max_length=5000, examples=["多数村民支持，关注安置房位置"])
    in_favour: int = Field(ge=0, le=10_000_000, examples=[38])
    against: int = Field(ge=0, le=10_000_000, examples=[5])


class HearingRead(HearingCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int
    assessment_id: UUID
    recorded_by: str


AssessmentDetail.model_rebuild()
