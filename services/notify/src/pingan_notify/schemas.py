"""REST bodies of the notify API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator

from pingan_notify.webhooks import masked_secret, pattern_is_valid


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


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["110 接处警系统"])
    url: AnyHttpUrl = Field(examples=["https://110.example.gov.cn/hooks/pingan"])
    secret: str = Field(
        min_length=16, max_length=200, description="Signs each delivery; write-only"
    )
    event_types: list[str] = Field(
        min_length=1,
        max_length=50,
        examples=[["pingan.intake.ticket.police_feedback.v1", "pingan.dispatch.task.*"]],
        description="Exact event types, or prefixes ending in '*'",
    )
    area_prefix: str | None = Field(
        default=None,
        pattern=r"^\d{6,14}$",
        examples=["331199001"],
        description="Only events whose area lies inside this area code",
    )
    active: bool = True

    @field_validator("event_types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        wrong = [p for p in value if not pattern_is_valid(p)]
        if wrong:
            raise ValueError(f"unknown event types or bad patterns: {', '.join(wrong)}")
        return list(dict.fromkeys(value))


class SubscriptionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    url: AnyHttpUrl | None = None
    secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=200,
        description="A new secret: deliveries carry the old and the new signature until "
        "retire_previous_secret",
    )
    retire_previous_secret: bool = False
    event_types: list[str] | None = Field(default=None, min_length=1, max_length=50)
    area_prefix: str | None = Field(default=None, pattern=r"^\d{6,14}$")
    active: bool | None = None

    @field_validator("event_types")
    @classmethod
    def _known_types(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        return SubscriptionCreate._known_types(value)


class SubscriptionRead(BaseModel):
    id: UUID
    name: str
    url: str
    secret: str = Field(description="Masked: only the last four characters", examples=["****a1b2"])
    rotating: bool = Field(description="True while the previous secret still signs deliveries")
    event_types: list[str]
    area_prefix: str | None
    active: bool
    breaker_state: str = Field(examples=["closed", "open", "half_open"])
    consecutive_failures: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Any) -> SubscriptionRead:
        return cls(
            id=row.id,
            name=row.name,
            url=row.url,
            secret=masked_secret(row.secret),
            rotating=row.previous_secret is not None,
            event_types=list(row.event_types),
            area_prefix=row.area_prefix,
            active=row.active,
            breaker_state=row.breaker_state,
            consecutive_failures=row.consecutive_failures,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class TemplateRead(BaseModel):
    id: str = Field(examples=["ticket_receipt.sms"])
    version: int
    event_type: str
    channel: Literal["sms", "in_app"]
    template_code: str | None = Field(examples=["SMS_900011"])
    variables: dict[str, int] = Field(description="Name → maximum length, in parameter order")
    title: str | None
    body: str


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variables: dict[str, Any] = Field(examples=[{"ticket_number": "QS20261123000123"}])
    version: int | None = Field(default=None, description="Default: the latest")


class PreviewRead(BaseModel):
    template_id: str
    version: int
    channel: str
    template_code: str | None
    title: str | None
    body: str
    text: str = Field(description="What the recipient reads; SMS with the 【签名】 prefix")
    params: dict[str, str]
    segments: int | None = Field(description="Billed SMS parts; null for in-app")


class InboundResult(BaseModel):
    received: int
    outcomes: list[str] = Field(examples=[["answered"]])


class ReceiptResult(BaseModel):
    updated: int
