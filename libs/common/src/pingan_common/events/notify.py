"""Events published by the notify service."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.topics import NOTIFY_DELIVERIES
from pingan_common.events.values import Payload


class DeliverySentData(Payload):
    delivery_id: UUID
    channel: Literal["in_app", "sms", "webhook"]
    recipient_kind: Literal["unit", "role", "user", "phone", "endpoint"]
    recipient: str = Field(examples=["331199001-ZZ", "leader@331199"])
    title: str
    ticket_id: UUID | None = None
    trigger_event_id: UUID
    trigger_type: str
    sent_at: datetime


class DeliverySent(EventEnvelope):
    """Notify delivered a notification (in-app, SMS or webhook) to a recipient. It names the
    event that triggered it (``trigger_event_id``, ``trigger_type``), so anyone can trace who
    was told what, and when, about a ticket."""

    topic: ClassVar[str] = NOTIFY_DELIVERIES
    type: Literal["pingan.notify.delivery.sent.v1"] = "pingan.notify.delivery.sent.v1"
    data: DeliverySentData
