"""The events notify publishes about its deliveries (queued, sent, failed, dead-lettered)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from pingan_common.events import EventEnvelope
from pingan_notify.deliveries.trigger import Trigger

_REPEATED_FIELDS = (
    "channel",
    "recipient_kind",
    "recipient",
    "title",
    "ticket_id",
    "trigger_event_id",
    "trigger_type",
)


def delivery_event_data(delivery: Any) -> dict[str, Any]:
    """The fields every delivery event repeats, from a stored delivery or the values of one
    being written."""
    if isinstance(delivery, dict):
        return {"delivery_id": delivery["id"], **{k: delivery[k] for k in _REPEATED_FIELDS}}
    return {"delivery_id": delivery.id, **{k: getattr(delivery, k) for k in _REPEATED_FIELDS}}


def row_announcement(
    event_class: type[EventEnvelope],
    data_class: type[BaseModel],
    row: Any,
    now: datetime,
    **values: Any,
) -> EventEnvelope:
    """An event about a stored delivery: the fields all delivery events repeat, plus ``values``."""
    data = data_class(**delivery_event_data(row), **values)
    return announcement(event_class, data, row.id, Trigger.of_row(row), now)


def announcement(
    event_class: type[EventEnvelope],
    data: Any,
    subject: UUID,
    trigger: Trigger,
    now: datetime,
) -> EventEnvelope:
    """A notify event caused by the trigger (also when the trigger is a repeat, not an event)."""
    event = event_class.create(
        data,
        subject=str(subject),
        correlationid=trigger.correlation_id,
        causation=trigger.causation,
        time=now,
        traceparent=trigger.traceparent,
    )
    if trigger.causation is None:
        event = event.model_copy(update={"causationid": str(trigger.event_id)})
    return event
