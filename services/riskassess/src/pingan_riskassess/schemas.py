"""REST bodies of the riskassess API."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class SignalOut(BaseModel):
    rule: str
    evidence: str
    level: str


class AlertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    ticket_id: UUID
    ticket_number: str
    level: str = Field(examples=["red"])
    state: str = Field(examples=["raised"])
    signals: list[SignalOut]
    area_code: str
    summary: str
    notify_roles: list[str]
    raised_at: datetime
