"""Every published event type, as one discriminated union parsed by one TypeAdapter."""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import Field, TypeAdapter

from pingan_common.events.dispatch import TaskAssigned, TaskCreated
from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.intake import TicketRegistered
from pingan_common.events.mediation import CaseOpened
from pingan_common.events.notify import DeliverySent
from pingan_common.events.riskassess import AlertRaised

EVENT_CLASSES: tuple[type[EventEnvelope], ...] = (
    TicketRegistered,
    TaskCreated,
    TaskAssigned,
    CaseOpened,
    AlertRaised,
    DeliverySent,
)

AnyEvent = Annotated[
    TicketRegistered | TaskCreated | TaskAssigned | CaseOpened | AlertRaised | DeliverySent,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)
EVENTS_BY_TYPE: dict[str, type[EventEnvelope]] = {c.event_type(): c for c in EVENT_CLASSES}


class UnknownEventType(ValueError):
    """A well-formed envelope whose type this build does not know (e.g. a newer producer)."""


def parse_event(raw: bytes | str) -> EventEnvelope:
    """Parse one envelope; ValueError/ValidationError on garbage, UnknownEventType on news."""
    document = json.loads(raw)
    if not isinstance(document, dict) or "type" not in document:
        raise ValueError("not a CloudEvents envelope: no 'type'")
    if document["type"] not in EVENTS_BY_TYPE:
        raise UnknownEventType(document["type"])
    return EVENT_ADAPTER.validate_python(document)
