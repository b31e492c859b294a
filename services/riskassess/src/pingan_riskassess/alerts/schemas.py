"""REST bodies of the alerts API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class SignalOut(BaseModel):
    rule: str
    evidence: str
    level: str
    score: float | None = None
    event_ids: list[UUID] = Field(default_factory=list)
    rules_version: str | None = None


class AlertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    subject_kind: str = Field(examples=["caller"])
    subject_ref: str = Field(description="Opaque: a phone hash, a place key, a case id")
    ticket_id: UUID
    ticket_number: str
    level: str = Field(examples=["red"])
    state: str = Field(examples=["raised"])
    signals: list[SignalOut]
    area_code: str
    summary: str
    notify_roles: list[str]
    raised_at: datetime
    ack_due_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    escalation_count: int
    escalated_area_code: str | None
    outcome: str | None
    version: int


class HistoryEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    action: str
    actor: str
    from_state: str | None
    to_state: str
    details: dict


class AlertDetail(AlertRead):
    verification_requested_at: datetime | None
    verification_task_id: UUID | None
    verification_report: str | None
    notes: str | None
    verified_at: datetime | None
    measures: str | None
    handled_at: datetime | None
    closed_at: datetime | None
    close_reason: str | None
    history: list[HistoryEntryOut]
    allowed_actions: list[str]


class AcknowledgeBody(BaseModel):
    note: str | None = Field(default=None, max_length=500)


class VerificationBody(BaseModel):
    summary: str | None = Field(
        default=None, max_length=500, description="What to check on the spot; else the summary"
    )
    due_at: datetime | None = Field(default=None, description="Else the SLA policy's deadline")


class VerifyBody(BaseModel):
    outcome: Literal["confirmed", "false_alarm"]
    notes: str = Field(min_length=2, max_length=2000)


class HandleBody(BaseModel):
    measures: str = Field(min_length=2, max_length=2000, description="处置措施")


class CloseBody(BaseModel):
    reason: str = Field(min_length=2, max_length=500)
