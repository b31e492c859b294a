"""REST bodies of delivery records."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    channel: str = Field(examples=["in_app", "sms", "webhook"])
    recipient_kind: str = Field(examples=["unit"])
    recipient: str = Field(
        examples=["331199001-ZZ", "leader@331199", "138****8000"],
        description="Citizens' numbers appear masked; webhooks name the subscription id",
    )
    title: str
    body: str
    correlation_id: str = Field(description="The ticket the delivery is about")
    ticket_id: UUID | None
    trigger_event_id: UUID
    trigger_type: str
    status: str = Field(examples=["queued", "sent", "delivered", "failed", "dead_lettered"])
    urgent: bool
    attempts: int
    last_error: str | None
    not_before: datetime | None = Field(description="Held until then (quiet hours, rate limit)")
    next_attempt_at: datetime | None
    provider_message_id: str | None
    template_id: str | None
    template_version: int | None
    segments: int | None
    latency_ms: float | None = Field(description="From the triggering event's time to the send")
    subscription_id: UUID | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    dead_lettered_at: datetime | None
