"""Events published by the notify service (topic ``notify.deliveries.v1``).

Delivery events are keyed by delivery id; ``survey.answered`` by the survey's id.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.topics import NOTIFY_DELIVERIES
from pingan_common.events.values import CallbackVerdict, Payload

DeliveryChannel = Literal["in_app", "sms", "webhook"]
RecipientKind = Literal["unit", "role", "user", "phone", "endpoint"]


class DeliveryData(Payload):
    delivery_id: UUID
    channel: DeliveryChannel
    recipient_kind: RecipientKind
    recipient: str = Field(
        examples=["331199001-ZZ", "leader@331199", "138****1234"],
        description="Phone numbers appear masked",
    )
    title: str
    ticket_id: UUID | None = None
    trigger_event_id: UUID
    trigger_type: str


class DeliverySentData(DeliveryData):
    sent_at: datetime
    attempts: int = 1
    provider_message_id: str | None = None
    latency_ms: float | None = Field(
        default=None, description="From the triggering event's time to the send"
    )


class DeliverySent(EventEnvelope):
    """Notify delivered a notification (in-app, SMS or webhook) to a recipient. It names the
    event that triggered it (``trigger_event_id``, ``trigger_type``), so anyone can trace who
    was told what, and when, about a ticket."""

    topic: ClassVar[str] = NOTIFY_DELIVERIES
    type: Literal["pingan.notify.delivery.sent.v1"] = "pingan.notify.delivery.sent.v1"
    data: DeliverySentData


class DeliveryQueuedData(DeliveryData):
    queued_at: datetime
    not_before: datetime | None = Field(
        default=None, description="Held until then, e.g. by quiet hours"
    )


class DeliveryQueued(EventEnvelope):
    """Notify queued a notification; ``not_before`` says when it is held back (quiet hours,
    rate limit)."""

    topic: ClassVar[str] = NOTIFY_DELIVERIES
    type: Literal["pingan.notify.delivery.queued.v1"] = "pingan.notify.delivery.queued.v1"
    data: DeliveryQueuedData


class DeliveryFailedData(DeliveryData):
    failed_at: datetime
    attempts: int
    error: str
    next_attempt_at: datetime | None = Field(description="None when it will not be retried")


class DeliveryFailed(EventEnvelope):
    """An attempt to deliver failed; it is retried at ``next_attempt_at`` with backoff."""

    topic: ClassVar[str] = NOTIFY_DELIVERIES
    type: Literal["pingan.notify.delivery.failed.v1"] = "pingan.notify.delivery.failed.v1"
    data: DeliveryFailedData


class DeliveryDeadLetteredData(DeliveryData):
    dead_lettered_at: datetime
    attempts: int
    last_error: str


class DeliveryDeadLettered(EventEnvelope):
    """Notify gave up on a delivery after its retry budget (or a permanent error) and parked it
    with the last error; an admin can replay it."""

    topic: ClassVar[str] = NOTIFY_DELIVERIES
    type: Literal["pingan.notify.delivery.dead_lettered.v1"] = (
        "pingan.notify.delivery.dead_lettered.v1"
    )
    data: DeliveryDeadLetteredData


class SurveyAnsweredData(Payload):
    survey_id: UUID
    ticket_id: UUID
    ticket_number: str
    task_id: UUID
    verdict: CallbackVerdict
    raw_reply: str = Field(description="What the citizen sent, e.g. '1'")
    phone_hash: str | None = None
    answered_at: datetime


class SurveyAnswered(EventEnvelope):
    """A citizen answered the callback survey SMS (1 满意, 2 基本满意, 3 不满意). Dispatch
    records it as the task's callback (回访)."""

    topic: ClassVar[str] = NOTIFY_DELIVERIES
    type: Literal["pingan.notify.survey.answered.v1"] = "pingan.notify.survey.answered.v1"
    data: SurveyAnsweredData


EVENTS: tuple[type[EventEnvelope], ...] = (
    DeliveryQueued,
    DeliverySent,
    DeliveryFailed,
    DeliveryDeadLettered,
    SurveyAnswered,
)
