"""REST bodies of the dispatch API."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class HistoryEntryOut(BaseModel):
    at: datetime
    action: str
    actor: str
    from_state: str | None
    to_state: str
    details: dict


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    ticket_id: UUID
    ticket_number: str
    state: str = Field(examples=["assigned"])
    summary: str
    category_group: str
    category_code: str | None
    category_label: str
    urgency: str
    area_code: str
    unit_code: str | None
    co_unit_codes: list[str]
    rule_id: str | None = Field(description="The routing rule that chose the unit")
    route_reason: str | None
    created_at: datetime
    assigned_at: datetime | None
    accept_due_at: datetime | None
    due_at: datetime | None
    history: list[HistoryEntryOut] = Field(default_factory=list)
