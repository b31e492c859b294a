"""REST bodies of webhook subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator

from pingan_notify.webhooks.subscriptions import masked_secret, pattern_is_valid


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
