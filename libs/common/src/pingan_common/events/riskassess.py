"""Events published by the riskassess service.

Alert events go to ``riskassess.alerts.v1`` keyed by alert id; stability assessments to
``riskassess.assessments.v1`` keyed by assessment id. An alert is about one *subject* (a caller,
a registered key person, a place, an employer, a mediation case): events name the subject by an
opaque reference (a phone hash, a key-person registry reference, a place key, a case id), never
by a person's data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.riskassess_assessments import ASSESSMENT_FOLLOW_UP_EVENTS
from pingan_common.events.riskassess_bulletins import BULLETIN_EVENTS
from pingan_common.events.topics import RISKASSESS_ALERTS, RISKASSESS_ASSESSMENTS
from pingan_common.events.values import Payload, RiskLevel

AlertSubjectKind = Literal["ticket", "caller", "key_person", "place", "employer", "case"]
VerificationOutcome = Literal["confirmed", "false_alarm"]


class RiskSignal(Payload):
    rule: str = Field(examples=["threat_words"])
    evidence: str = Field(description="What matched, e.g. the threat phrase")
    level: RiskLevel | None = Field(default=None, description="The level this signal alone gives")
    score: float | None = Field(default=None, description="The rule's score, 0–100")
    rules_version: str | None = Field(default=None, description="The rule data that fired")
    event_ids: list[UUID] = Field(
        default_factory=list, description="The events that matched (the signal's evidence)"
    )


class AlertRaisedData(Payload):
    alert_id: UUID
    ticket_id: UUID
    ticket_number: str
    level: RiskLevel
    signals: list[RiskSignal]
    area_code: str
    summary: str
    notify_roles: list[str] = Field(description="Roles on duty who must see it, e.g. leader")
    raised_at: datetime
    subject_kind: AlertSubjectKind | None = Field(
        default=None, description="What the alert is about; one open alert per subject"
    )
    subject_ref: str | None = Field(
        default=None,
        description="Opaque reference of the subject: phone hash, registry reference, place key",
    )
    ack_due_at: datetime | None = Field(
        default=None, description="Acknowledge by then, else it is re-notified and escalated"
    )


class AlertRaised(EventEnvelope):
    """Riskassess raised a warning (预警) on a ticket: its level (red, orange, yellow, blue),
    the signal rules that fired with their evidence, and the roles on duty who must see it.
    The alert is then acknowledged, verified (核查) and resolved or closed as a false alarm."""

    topic: ClassVar[str] = RISKASSESS_ALERTS
    type: Literal["pingan.riskassess.alert.raised.v1"] = "pingan.riskassess.alert.raised.v1"
    data: AlertRaisedData


class AlertEventData(Payload):
    """What every later alert event carries: which alert, its ticket, level and area, who, when."""

    alert_id: UUID
    ticket_id: UUID
    ticket_number: str
    level: RiskLevel
    area_code: str
    actor: str = Field(description="User id, or 'system' for the rules and the scanner")
    occurred_at: datetime


class AlertLevelRaisedData(AlertEventData):
    previous_level: RiskLevel
    signals: list[RiskSignal] = Field(description="The signals that raised it")
    summary: str
    notify_roles: list[str]
    ack_due_at: datetime | None = None


class AlertLevelRaised(EventEnvelope):
    """New signals about the same subject raised an open alert's level (it never falls on its
    own). An unacknowledged alert gets the shorter acknowledgement time of its new level."""

    topic: ClassVar[str] = RISKASSESS_ALERTS
    type: Literal["pingan.riskassess.alert.level_raised.v1"] = (
        "pingan.riskassess.alert.level_raised.v1"
    )
    data: AlertLevelRaisedData


class AlertAcknowledgedData(Payload):
    alert_id: UUID
    ticket_id: UUID | None = None
    level: RiskLevel
    area_code: str
    acknowledged_by: str
    acknowledged_at: datetime
    within_limit: bool | None = Field(
        default=None, description="Acknowledged within the time its level allows"
    )
    note: str | None = None


class AlertAcknowledged(EventEnvelope):
    """The person on duty acknowledged a warning (签收预警). Notify stops repeating it."""

    topic: ClassVar[str] = RISKASSESS_ALERTS
    type: Literal["pingan.riskassess.alert.acknowledged.v1"] = (
        "pingan.riskassess.alert.acknowledged.v1"
    )
    data: AlertAcknowledgedData


class AlertEscalatedData(AlertEventData):
    summary: str
    escalation_count: int = Field(description="How many times it has been escalated so far")
    escalated_to_area_code: str = Field(description="The level above: village, township, county")
    notify_roles: list[str]
    ack_due_at: datetime = Field(description="The next acknowledgement deadline")


class AlertEscalated(EventEnvelope):
    """Nobody acknowledged the warning in the time its level allows: it is told again and
    escalated one level up the hierarchy (网格 → 村 → 乡镇 → 县)."""

    topic: ClassVar[str] = RISKASSESS_ALERTS
    type: Literal["pingan.riskassess.alert.escalated.v1"] = "pingan.riskassess.alert.escalated.v1"
    data: AlertEscalatedData


class VerificationRequestedData(Payload):
    alert_id: UUID
    ticket_id: UUID | None = Field(default=None, description="The ticket behind the alert, if any")
    ticket_number: str | None = None
    level: RiskLevel
    area_code: str = Field(description="Where to verify: a grid code when known")
    summary: str = Field(description="What the grid worker should check on the spot")
    requested_by: str
    requested_at: datetime
    due_at: datetime | None = Field(
        default=None, description="When the verification must be done; else the SLA policy's"
    )


class VerificationRequested(EventEnvelope):
    """Riskassess asks for a verification (核查) of a warning on the spot. Dispatch opens a
    verification task for the grid's worker (or the area's unit) and closes it with the
    finding; riskassess reads the task events to resolve or dismiss the alert."""

    topic: ClassVar[str] = RISKASSESS_ALERTS
    type: Literal["pingan.riskassess.alert.verification_requested.v1"] = (
        "pingan.riskassess.alert.verification_requested.v1"
    )
    data: VerificationRequestedData


class AlertVerifiedData(AlertEventData):
    outcome: VerificationOutcome
    notes: str
    task_id: UUID | None = Field(default=None, description="The 核查 task whose finding it was")


class AlertVerified(EventEnvelope):
    """The warning was verified (核查): confirmed, or a false alarm (误报), with notes; from the
    verification task's finding or an analyst's decision."""

    topic: ClassVar[str] = RISKASSESS_ALERTS
    type: Literal["pingan.riskassess.alert.verified.v1"] = "pingan.riskassess.alert.verified.v1"
    data: AlertVerifiedData


class AlertHandledData(AlertEventData):
    measures: str = Field(description="What was done about the confirmed risk (处置措施)")


class AlertHandled(EventEnvelope):
    """A confirmed warning was dealt with (处置): the measures taken."""

    topic: ClassVar[str] = RISKASSESS_ALERTS
    type: Literal["pingan.riskassess.alert.handled.v1"] = "pingan.riskassess.alert.handled.v1"
    data: AlertHandledData


class AlertClosedData(AlertEventData):
    outcome: VerificationOutcome | None = Field(
        default=None, description="The verification's outcome, when it was verified"
    )
    reason: str


class AlertClosed(EventEnvelope):
    """The warning is closed (handled, or dismissed as a false alarm); a new signal about the
    same subject raises a new alert."""

    topic: ClassVar[str] = RISKASSESS_ALERTS
    type: Literal["pingan.riskassess.alert.closed.v1"] = "pingan.riskassess.alert.closed.v1"
    data: AlertClosedData


# --- stability assessments (重大事项社会稳定风险评估) ---------------------------------------

MatterKind = Literal["land_expropriation", "environmental_project", "large_construction", "other"]
AssessmentConclusion = Literal["high", "medium", "low"]


class AssessmentEventData(Payload):
    assessment_id: UUID
    title: str
    matter_kind: MatterKind
    area_code: str
    actor: str
    occurred_at: datetime


class AssessmentRegisteredData(AssessmentEventData):
    procedure: Literal["normal", "simplified"]
    affected_population: int = Field(ge=0)


class AssessmentRegistered(EventEnvelope):
    """A major matter (征地拆迁, an environmental project, large construction) was registered for
    a social-stability risk assessment, with its affected population and procedure."""

    topic: ClassVar[str] = RISKASSESS_ASSESSMENTS
    type: Literal["pingan.riskassess.assessment.registered.v1"] = (
        "pingan.riskassess.assessment.registered.v1"
    )
    data: AssessmentRegisteredData


class AssessmentConcludedData(AssessmentEventData):
    conclusion: AssessmentConclusion
    scores: dict[str, float] = Field(
        description="Mean expert score per dimension: legality, reasonableness, feasibility, "
        "controllability"
    )
    mitigations: int = Field(ge=0, description="Mitigations with owner and due date recorded")


class AssessmentConcluded(EventEnvelope):
    """The assessment concluded high, medium or low risk (the NDRC meanings: most affected
    people object / some object / most support)."""

    topic: ClassVar[str] = RISKASSESS_ASSESSMENTS
    type: Literal["pingan.riskassess.assessment.concluded.v1"] = (
        "pingan.riskassess.assessment.concluded.v1"
    )
    data: AssessmentConcludedData


class AssessmentDecidedData(AssessmentEventData):
    decision: Literal["proceed", "proceed_with_mitigations", "postpone", "reject"]
    conclusion: AssessmentConclusion
    mitigation_due_dates: list[date] = Field(default_factory=list)


class AssessmentDecided(EventEnvelope):
    """The decision on an assessed matter, allowed by the gate: low risk, or mitigations with
    owners and dates on record."""

    topic: ClassVar[str] = RISKASSESS_ASSESSMENTS
    type: Literal["pingan.riskassess.assessment.decided.v1"] = (
        "pingan.riskassess.assessment.decided.v1"
    )
    data: AssessmentDecidedData


EVENTS: tuple[type[EventEnvelope], ...] = (
    AlertRaised,
    AlertAcknowledged,
    VerificationRequested,
    AlertLevelRaised,
    AlertEscalated,
    AlertVerified,
    AlertHandled,
    AlertClosed,
    AssessmentRegistered,
    AssessmentConcluded,
    AssessmentDecided,
    *ASSESSMENT_FOLLOW_UP_EVENTS,
    *BULLETIN_EVENTS,
)
