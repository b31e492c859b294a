"""Events published by the riskassess service."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.topics import RISKASSESS_ALERTS
from pingan_common.events.values import Payload, RiskLevel


class RiskSignal(Payload):
    rule: str = Field(examples=["threat_words"])
    evidence: str = Field(description="What matched, e.g. the threat phrase")


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


class AlertRaised(EventEnvelope):
    """Riskassess raised a warning (预警) on a ticket: its level (red, orange, yellow, blue),
    the signal rules that fired with their evidence, and the roles on duty who must see it.
    The alert is then acknowledged, verified (核查) and resolved or closed as a false alarm."""

    topic: ClassVar[str] = RISKASSESS_ALERTS
    type: Literal["pingan.riskassess.alert.raised.v1"] = "pingan.riskassess.alert.raised.v1"
    data: AlertRaisedData


class AlertAcknowledgedData(Payload):
    alert_id: UUID
    ticket_id: UUID | None = None
    level: RiskLevel
    area_code: str
    acknowledged_by: str
    acknowledged_at: datetime


class AlertAcknowledged(EventEnvelope):
    """The person on duty acknowledged a warning (签收预警). Notify stops repeating it."""

    topic: ClassVar[str] = RISKASSESS_ALERTS
    type: Literal["pingan.riskassess.alert.acknowledged.v1"] = (
        "pingan.riskassess.alert.acknowledged.v1"
    )
    data: AlertAcknowledgedData


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


EVENTS: tuple[type[EventEnvelope], ...] = (
    AlertRaised,
    AlertAcknowledged,
    VerificationRequested,
)
