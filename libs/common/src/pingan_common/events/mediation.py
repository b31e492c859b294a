"""Events published by the mediation service."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.topics import MEDIATION_CASES
from pingan_common.events.values import Category, Payload, RiskLevel


class CaseOpenedData(Payload):
    case_id: UUID
    case_number: str
    ticket_id: UUID
    ticket_number: str
    category: Category
    committee_code: str
    committee_name: str
    area_code: str
    opened_at: datetime
    due_at: datetime


class CaseOpened(EventEnvelope):
    """Mediation opened a dispute case (调解案件) for a ticket and gave it to a people's
    mediation committee (人民调解委员会), with the deadline for the mediation."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.opened.v1"] = "pingan.mediation.case.opened.v1"
    data: CaseOpenedData


RiskSignalReason = Literal[
    "repeated_failure",  # two failed sessions on one case
    "threat_in_session",  # a threat recorded in a session record
    "violence_in_session",  # violence recorded in a session record
    "term_breached",  # a term of the agreement not performed by its due date
    "prior_violence",  # a party with a recorded history of violence
]


class CaseRiskSignalData(Payload):
    """A sign that a civil dispute may turn into a crime (民转刑). Parties are named by
    opaque references, never by their personal data."""

    case_id: UUID
    case_number: str
    ticket_id: UUID | None = Field(default=None, description="The ticket behind the case, if any")
    area_code: str = Field(description="The case's area (village or township code)")
    dispute_kind: str = Field(examples=["neighbour"])
    reason: RiskSignalReason
    evidence: str = Field(
        max_length=500, description="What was recorded, in words, without personal data"
    )
    level_hint: RiskLevel = Field(description="The level mediation suggests; riskassess decides")
    party_refs: list[str] = Field(
        default_factory=list, description="Opaque party references (stable per party and case)"
    )
    failed_sessions: int = Field(default=0, ge=0)
    raised_at: datetime


class CaseRiskSignal(EventEnvelope):
    """Mediation saw a 民转刑 sign on a case (repeated failure, a threat or violence in a
    session, a breached agreement term, a party with prior violence); riskassess turns it into
    a warning."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.risk_signal.v1"] = "pingan.mediation.case.risk_signal.v1"
    data: CaseRiskSignalData


EVENTS: tuple[type[EventEnvelope], ...] = (CaseOpened, CaseRiskSignal)
