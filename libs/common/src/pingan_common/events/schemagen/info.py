"""What the generator knows about each event type, and where the generated files go.

``EventInfo`` reads one envelope class: its type name split into service, aggregate, event and
version, its topic, payload model, Kafka key field and description. The paths and the command
here are shared by every output (schemas, catalog page, AsyncAPI) and by the ``--check``.
"""

from __future__ import annotations

import builtins
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from pingan_common.events.catalog import EVENT_CLASSES
from pingan_common.events.envelope import SCHEMA_BASE_URI, EventEnvelope

COMMAND = "uv run python -m pingan_common.events.schemagen"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = Path("libs/common/src/pingan_common/events/schemas")
EVENTS_DOC_PATH = Path("docs/events.md")
ASYNCAPI_PATH = Path("docs/asyncapi.json")
TYPE_PATTERN = re.compile(
    r"^pingan\.(?P<service>[a-z][a-z0-9_]*)\.(?P<aggregate>[a-z][a-z0-9_]*)"
    r"\.(?P<event>[a-z][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)$"
)


@dataclass(frozen=True)
class EventInfo:
    cls: type[EventEnvelope]
    type: str
    service: str
    aggregate: str
    event: str
    version: int
    topic: str

    @property
    def name(self) -> str:
        return self.cls.__name__

    @property
    def source(self) -> str:
        return f"/pingan/{self.service}"

    @property
    def dataschema(self) -> str:
        return dataschema_uri(self.type)

    @property
    def schema(self) -> dict[str, Any]:
        return event_schema(self.cls)

    @property
    def payload_class(self) -> builtins.type[BaseModel]:  # `type` here is the field above
        payload = self.cls.model_fields["data"].annotation
        assert isinstance(payload, builtins.type) and issubclass(payload, BaseModel), payload
        return payload

    @property
    def key_field(self) -> str | None:
        """The payload field that holds the aggregate id (= ``subject`` = the Kafka key)."""
        name = f"{self.aggregate}_id"
        fields = getattr(self.payload_class, "model_fields", {})
        return name if name in fields else None

    @property
    def description(self) -> str:
        for owner in (self.cls, self.payload_class):
            doc = owner.__dict__.get("__doc__")
            if doc and doc.strip():
                return one_paragraph(doc)
        return f"{self.service} publishes `{self.type}`."


def event_info(cls: type[EventEnvelope]) -> EventInfo:
    event_type = cls.event_type()
    match = TYPE_PATTERN.match(event_type or "")
    if match is None:
        raise ValueError(
            f"{cls.__name__}: event type {event_type!r} does not follow "
            "pingan.<service>.<aggregate>.<event>.v<N>"
        )
    topic = getattr(cls, "topic", None)
    if not topic:
        raise ValueError(f"{cls.__name__}: no topic ClassVar")
    return EventInfo(
        cls=cls,
        type=event_type,
        service=match["service"],
        aggregate=match["aggregate"],
        event=match["event"],
        version=int(match["version"]),
        topic=topic,
    )


def all_event_infos() -> list[EventInfo]:
    return [event_info(cls) for cls in EVENT_CLASSES]


def dataschema_uri(event_type: str) -> str:
    return f"{SCHEMA_BASE_URI}{event_type}.json"


def schema_path(event_type: str) -> Path:
    return SCHEMA_DIR / f"{event_type}.json"


def next_version(event_type: str) -> str:
    stem, _, version = event_type.rpartition(".v")
    return f"{stem}.v{int(version) + 1}" if version.isdigit() else f"{event_type}.v2"


def event_schema(cls: type[EventEnvelope]) -> dict[str, Any]:
    """The JSON Schema of the whole envelope, as published for ``cls``'s type."""
    schema = cls.model_json_schema(mode="serialization")
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": dataschema_uri(cls.event_type()), **schema}


def render_json(document: Any) -> str:
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def one_paragraph(doc: str) -> str:
    """A docstring as one Markdown paragraph (reST ````code```` becomes `code`)."""
    return " ".join(doc.split()).replace("``", "`")
