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
