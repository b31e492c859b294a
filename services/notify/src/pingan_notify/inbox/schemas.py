"""REST bodies of the in-app inbox."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class InboxItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Monotonic; the live stream's event id")
    kind: str = Field(examples=["task.assigned", "alert.raised"])
    title: str = Field(examples=["新派工单 QS20261123000123"])
    body: str
    recipient_kind: str = Field(examples=["unit", "user", "role"])
    recipient: str = Field(examples=["331199001-ZZ"])
    area_code: str | None
    ticket_id: UUID | None
    ticket_number: str | None
    alert_id: UUID | None
    urgent: bool
    requires_ack: bool
    trigger_time: datetime
    created_at: datetime
    read_at: datetime | None
    acknowledged_at: datetime | None


class InboxPage(BaseModel):
    items: list[InboxItemRead]
    next_cursor: str | None = None
    unread: int = Field(description="Unread items you can see, across every page")


class UnreadCount(BaseModel):
    unread: int


class MarkedRead(BaseModel):
    marked: int
