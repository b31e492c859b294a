"""REST bodies of the mediation API."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class CaseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    case_number: str = Field(examples=["TJ20261123000001"])
    ticket_id: UUID
    ticket_number: str
    state: str = Field(examples=["opened"])
    dispute_type: str | None
    dispute_label: str
    description: str
    committee_code: str
    committee_name: str
    area_code: str
    opened_at: datetime
    due_at: datetime
