"""Every published event type, as one discriminated union parsed by one TypeAdapter."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, TypeAlias, Union

from pydantic import Field, TypeAdapter

from pingan_common.events import dispatch, intake, mediation, notify, riskassess
from pingan_common.events.envelope import EventEnvelope

EVENT_CLASSES: tuple[type[EventEnvelope], ...] = (
    *intake.EVENTS,
    *dispatch.EVENTS,
    *mediation.EVENTS,
    *riskassess.EVENTS,
    *notify.EVENTS,
)

# One tagged union over every class, so parsing looks at "type" once instead of trying each.
if TYPE_CHECKING:
    # A union built from a tuple at import time is no type to a checker; each member is one.
    AnyEvent: TypeAlias = EventEnvelope
else:
    AnyEvent = Annotated[Union[EVENT_CLASSES], Field(discriminator="type")]  # noqa: UP007
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
