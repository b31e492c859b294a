"""REST bodies of the notify API."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    channel: str = Field(examples=["in_app"])
    recipient_kind: str = Field(examples=["unit"])
    recipient: str = Field(examples=["331199001-ZZ", "leader@331199"])
    title: str
    body: str
    correlation_id: str = Field(description="The ticket the delivery is about")
    ticket_id: UUID | None
    trigger_type: str
    status: str
    created_at: datetime
    read_at: datetime | None
