"""The CloudEvents 1.0 envelope every Pingan event travels in (structured JSON mode)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, Self
from uuid import UUID

import structlog
from pydantic import BaseModel, ConfigDict, Field

from pingan_common.ids import new_id

SCHEMA_BASE_URI = "https://schemas.pingan.local/events/"


def new_event_id() -> UUID:
    """UUIDv7: time-ordered, so ids sort by creation time within a process."""
    return new_id()


def _request_traceparent() -> str | None:
    """The W3C trace context of the HTTP request being served, if any (bound by the middleware)."""
    return structlog.contextvars.get_contextvars().get("traceparent")


def utcnow() -> datetime:
    return datetime.now(UTC)


class EventEnvelope(BaseModel):
    """Fields fixed by ARCHITECTURE.md; subclasses narrow ``type`` and ``data``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    topic: ClassVar[str]

    specversion: Literal["1.0"] = "1.0"
    id: UUID = Field(description="UUIDv7; consumers deduplicate on it, so it is required")
    source: str
    type: str
    subject: str = Field(description="Id of the aggregate the event is about; also the Kafka key")
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str
    correlationid: str = Field(description="Id of the ticket that started the chain")
    causationid: str | None = Field(default=None, description="Id of the event that caused this")
    traceparent: str | None = None
    data: Any

    @classmethod
    def event_type(cls) -> str:
        return cls.model_fields["type"].default

    @classmethod
    def create(
        cls,
        data: BaseModel,
        *,
        subject: str,
        correlationid: str,
        causation: EventEnvelope | None = None,
        time: datetime | None = None,
        traceparent: str | None = None,
    ) -> Self:
        event_type = cls.event_type()
        return cls(
            id=new_event_id(),
            source=f"/pingan/{event_type.split('.')[1]}",
            type=event_type,
            subject=subject,
            time=time or utcnow(),
            dataschema=f"{SCHEMA_BASE_URI}{event_type}.json",
            correlationid=correlationid,
            causationid=str(causation.id) if causation else None,
            traceparent=traceparent
            or (causation.traceparent if causation else _request_traceparent()),
            data=data,
        )

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json().encode()
