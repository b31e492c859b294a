"""What a notification is about (the trigger) and whom it is for (the recipient)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pingan_common.events import EventEnvelope
from pingan_notify.deliveries.policies import Audience


@dataclass(frozen=True)
class Trigger:
    """The event a notification is about (or a repeat of it)."""

    event_id: UUID
    event_type: str
    time: datetime
    correlation_id: str
    ticket_id: UUID | None
    ticket_number: str | None
    area_code: str | None
    causation: EventEnvelope | None = None
    traceparent: str | None = None

    @classmethod
    def of(cls, event: EventEnvelope) -> Trigger:
        data = event.data
        return cls(
            event_id=event.id,
            event_type=event.type,
            time=event.time,
            correlation_id=event.correlationid,
            ticket_id=getattr(data, "ticket_id", None),
            ticket_number=getattr(data, "ticket_number", None),
            area_code=getattr(data, "area_code", None),
            causation=event,
            traceparent=event.traceparent,
        )

    @classmethod
    def of_row(cls, row: Any) -> Trigger:
        """The trigger of a stored delivery (announcements then name it as their cause)."""
        return cls(
            event_id=row.trigger_event_id,
            event_type=row.trigger_type,
            time=row.trigger_time,
            correlation_id=row.correlation_id,
            ticket_id=row.ticket_id,
            ticket_number=None,
            area_code=row.area_code,
            traceparent=row.traceparent,
        )


@dataclass(frozen=True)
class Recipient:
    kind: str  # unit, role, user, phone, endpoint
    id: str  # what is stored and shown: never a citizen's full number
    audience: Audience = Audience.STAFF
    address: str | None = None  # the phone to text, when known now


def event_kind(event_type: str) -> str:
    """``pingan.dispatch.task.assigned.v1`` → ``task.assigned`` (the inbox item's kind)."""
    parts = event_type.split(".")
    return ".".join(parts[2:-1]) if len(parts) >= 5 else event_type
