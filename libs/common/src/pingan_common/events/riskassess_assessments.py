"""Riskassess's stability-assessment events beyond register/conclude/decide: the experts drawn
from the pool and their scores, the consultation and hearing records, and the tracking of each
mitigation after the decision. All on ``riskassess.assessments.v1``.

Assessment steps are keyed by the assessment id; a mitigation is an aggregate of its own
(planned → in_progress → done, or overdue), keyed by its id and naming its assessment. Experts
are named by their pool id only; their names stay in riskassess.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.topics import RISKASSESS_ASSESSMENTS
from pingan_common.events.values import Payload

HearingKind = Literal["hearing", "symposium", "consultation", "public_notice"]
MitigationState = Literal["planned", "in_progress", "done", "overdue"]


class AssessmentStepData(Payload):
    assessment_id: UUID
    area_code: str
    actor: str
    occurred_at: datetime


class ExpertsDrawnData(AssessmentStepData):
    expert_ids: list[int] = Field(description="The experts drawn, in the order drawn")
    excluded_ids: list[int] = Field(
        default_factory=list, description="Pool members left out for a conflict of interest"
    )
    seed: str = Field(description="The draw's seed: the same seed and pool draw the same experts")
    pool_size: int = Field(ge=0, description="Eligible experts the draw chose from")


class ExpertsDrawn(EventEnvelope):
    """Experts were drawn at random (reproducibly, from a recorded seed) from the expert pool
    (专家库) for an assessment, with everyone with an interest in the matter left out."""

    topic: ClassVar[str] = RISKASSESS_ASSESSMENTS
    type: Literal["pingan.riskassess.assessment.experts_drawn.v1"] = (
        "pingan.riskassess.assessment.experts_drawn.v1"
    )
    data: ExpertsDrawnData


class ExpertScoredData(AssessmentStepData):
    expert_id: int
    scores: dict[str, float] = Field(
        description="0–100 per dimension: legality 合法性, reasonableness 合理性, "
        "feasibility 可行性, controllability 可控性"
    )


class ExpertScored(EventEnvelope):
    """A drawn expert's scores on the four dimensions were recorded."""

    topic: ClassVar[str] = RISKASSESS_ASSESSMENTS
    type: Literal["pingan.riskassess.assessment.expert_scored.v1"] = (
        "pingan.riskassess.assessment.expert_scored.v1"
    )
    data: ExpertScoredData


class HearingRecordedData(AssessmentStepData):
    kind: HearingKind = Field(description="听证 hearing, 座谈 symposium, 征求意见, 公示")
    held_on: date
    attendees: int = Field(ge=0)
    in_favour: int = Field(ge=0, description="Opinions for the matter")
    against: int = Field(ge=0, description="Opinions against it")


class HearingRecorded(EventEnvelope):
    """A consultation or hearing (听证会, 座谈会, 征求意见, 公示) on an assessed matter was
    recorded with its attendance and the opinions for and against."""

    topic: ClassVar[str] = RISKASSESS_ASSESSMENTS
    type: Literal["pingan.riskassess.assessment.hearing_recorded.v1"] = (
        "pingan.riskassess.assessment.hearing_recorded.v1"
    )
    data: HearingRecordedData


class MitigationEventData(Payload):
    mitigation_id: int
    assessment_id: UUID
    area_code: str
    measure: str
    owner: str = Field(description="The unit responsible (责任单位)")
    due_date: date
    state: MitigationState
    actor: str = Field(description="User id, or 'system' for the overdue scanner")
    occurred_at: datetime


class MitigationPlanned(EventEnvelope):
    """A mitigation (风险防范化解措施) with its owner and due date was recorded."""

    topic: ClassVar[str] = RISKASSESS_ASSESSMENTS
    type: Literal["pingan.riskassess.mitigation.planned.v1"] = (
        "pingan.riskassess.mitigation.planned.v1"
    )
    data: MitigationEventData


class MitigationStarted(EventEnvelope):
    """The owner started carrying out a mitigation."""

    topic: ClassVar[str] = RISKASSESS_ASSESSMENTS
    type: Literal["pingan.riskassess.mitigation.started.v1"] = (
        "pingan.riskassess.mitigation.started.v1"
    )
    data: MitigationEventData


class MitigationCompletedData(MitigationEventData):
    late: bool = Field(description="Completed after its due date")
    notes: str


class MitigationCompleted(EventEnvelope):
    """A mitigation was carried out (on time or late), with what was done."""

    topic: ClassVar[str] = RISKASSESS_ASSESSMENTS
    type: Literal["pingan.riskassess.mitigation.completed.v1"] = (
        "pingan.riskassess.mitigation.completed.v1"
    )
    data: MitigationCompletedData


class MitigationOverdue(EventEnvelope):
    """A mitigation passed its due date without being done (found by riskassess's scanner)."""

    topic: ClassVar[str] = RISKASSESS_ASSESSMENTS
    type: Literal["pingan.riskassess.mitigation.overdue.v1"] = (
        "pingan.riskassess.mitigation.overdue.v1"
    )
    data: MitigationEventData


ASSESSMENT_FOLLOW_UP_EVENTS: tuple[type[EventEnvelope], ...] = (
    ExpertsDrawn,
    ExpertScored,
    HearingRecorded,
    MitigationPlanned,
    MitigationStarted,
    MitigationCompleted,
    MitigationOverdue,
)
