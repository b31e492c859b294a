"""Generate the event contract from the Pydantic models: JSON Schemas, catalog page, AsyncAPI.

    uv run python -m pingan_common.events.schemagen           # write the files
    uv run python -m pingan_common.events.schemagen --check   # fail if any is stale (CI)

Writes, relative to the repository root:

- ``libs/common/src/pingan_common/events/schemas/<type>.json``: one JSON Schema per event type
  (the whole envelope), ``$id`` = the envelope's ``dataschema`` URI;
- ``docs/events.md``: the event catalog page;
- ``docs/asyncapi.json``: an AsyncAPI 3.0 document (channels = topics).

A checked-in schema is a published contract. Writing refuses to replace one with a schema that
breaks it (see ``compatibility.py``) unless ``--allow-breaking`` is given, which is only right
for a version that was never released: otherwise add a new ``….v<N+1>`` event type.
"""

from __future__ import annotations

import argparse
import builtins
import hashlib
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from pingan_common.events.catalog import EVENT_CLASSES
from pingan_common.events.compatibility import breaking_changes
from pingan_common.events.envelope import SCHEMA_BASE_URI, EventEnvelope
from pingan_common.events.topics import ALL_TOPICS, COMPACTED_TOPICS, dead_letter_topic

__all__ = [
    "ASYNCAPI_PATH",
    "EVENTS_DOC_PATH",
    "SCHEMA_DIR",
    "EventInfo",
    "asyncapi_document",
    "check_files",
    "dataschema_uri",
    "event_info",
    "event_schema",
    "events_markdown",
    "find_repo_root",
    "generate_files",
    "main",
    "next_version",
    "render_json",
    "sample_event",
    "sample_events",
    "schema_path",
    "write_files",
]

COMMAND = "uv run python -m pingan_common.events.schemagen"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = Path("libs/common/src/pingan_common/events/schemas")
EVENTS_DOC_PATH = Path("docs/events.md")
ASYNCAPI_PATH = Path("docs/asyncapi.json")
TYPE_PATTERN = re.compile(
    r"^pingan\.(?P<service>[a-z][a-z0-9_]*)\.(?P<aggregate>[a-z][a-z0-9_]*)"
    r"\.(?P<event>[a-z][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)$"
)
KAFKA_BINDING_VERSION = "0.5.0"


# -- what we know about one event type ------------------------------------------------------


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
                return _one_paragraph(doc)
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


# -- deterministic sample events ------------------------------------------------------------

SAMPLE_TIME = datetime(2026, 11, 23, 1, 15, tzinfo=UTC)  # 09:15 in 青山县
SAMPLE_TIME_OFFSETS = {
    "reported_at": timedelta(minutes=-3),
    "registered_at": timedelta(0),
    "created_at": timedelta(seconds=2),
    "raised_at": timedelta(seconds=3),
    "assigned_at": timedelta(seconds=4),
    "opened_at": timedelta(seconds=5),
    "sent_at": timedelta(seconds=6),
    "accept_due_at": timedelta(hours=2),
    "due_at": timedelta(days=3),
}
SAMPLE_VALUES: dict[str, Any] = {
    "address": "青山县城关街道幸福社区3幢2单元",
    "area_code": "33119900100101",
    "grid_code": "33119900100101",
    "village_code": "331199001001",
    "township_code": "331199001",
    "lon": 119.785,
    "lat": 28.195,
    "resolved": True,
    "description": "楼上住户装修噪音持续到深夜，多次沟通无果，双方发生争吵，请求调解。",
    "summary": "幸福社区邻里噪音纠纷，双方发生争吵",
    "registered_by": "operator1",
    "name_masked": "王*",
    "phone_masked": "138****6621",
    "phone_hash": "hmac-sha256:5f1c0e9a2b7d4c3e",
    "external_ref": None,
    "risk_level": None,
    "urgency": "normal",
    "disposition": "mediation",
    "dispositions": ["mediation", "task"],
    "code": "neighbour",
    "label": "邻里纠纷",
    "case_number": "TJ20261123000007",
    "unit_code": "331199001-ZZ",
    "unit_name": "城关街道综治中心",
    "co_unit_codes": ["331199001001-CWH"],
    "rule_id": "dispute-by-area",
    "reason": "矛盾纠纷按属地派给城关街道综治中心，幸福社区居委会协办",
    "committee_code": "331199001001-TWH",
    "committee_name": "幸福社区人民调解委员会",
    "level": "orange",
    "evidence": "“再吵就跟他拼了”",
    "notify_roles": ["leader", "dispatcher"],
    "title": "新工单待签收：QS20261123000123",
    "ticket_number": "QS20261123000123",
    "trigger_type": "pingan.dispatch.task.assigned.v1",
}


def _hex(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


SAMPLE_TRACE_ID = _hex("pingan-sample-trace")[:32]


def sample_uuid7(seed: str, at: datetime) -> UUID:
    """A UUIDv7 for ``at`` whose random bits come from ``seed``: same seed, same id."""
    millis = int(at.timestamp() * 1000)
    bits = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:10], "big")
    rand_a, rand_b = bits >> 68, bits & ((1 << 62) - 1)
    return UUID(int=(millis << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b)


@cache
def sample_events() -> dict[str, EventEnvelope]:
    """One valid, deterministic example of every event type, linked into one story."""
    samples: dict[str, EventEnvelope] = {}
    for info in all_event_infos():
        samples[info.type] = _build_sample(info, samples)
    return samples


def sample_event(cls: type[EventEnvelope]) -> EventEnvelope:
    return sample_events()[cls.event_type()]


def _build_sample(info: EventInfo, earlier: dict[str, EventEnvelope]) -> EventEnvelope:
    schema = info.schema
    data = _sample_value(schema["properties"]["data"], schema, "data", earlier)
    times = [
        data[name]
        for name, prop in _properties(schema["properties"]["data"], schema).items()
        if _resolve(prop, schema).get("format") == "date-time"
        and "due" not in name
        and isinstance(data.get(name), str)
    ]
    time = datetime.fromisoformat(times[-1]) if times else SAMPLE_TIME
    subject = str(data[info.key_field]) if info.key_field else str(sample_uuid7(info.type, time))
    correlation = str(data.get("ticket_id") or subject)
    causation: str | None = None
    if data.get("trigger_event_id"):
        causation = str(data["trigger_event_id"])
    elif subject != correlation:
        same_topic = [e for e in earlier.values() if e.topic == info.topic]
        cause = same_topic[-1] if same_topic else next(iter(earlier.values()), None)
        causation = str(cause.id) if cause else None
    envelope = {
        "specversion": "1.0",
        "id": str(sample_uuid7(f"event:{info.type}", time)),
        "source": info.source,
        "type": info.type,
        "subject": subject,
        "time": time.isoformat(),
        "datacontenttype": "application/json",
        "dataschema": info.dataschema,
        "correlationid": correlation,
        "causationid": causation,
        "traceparent": f"00-{SAMPLE_TRACE_ID}-{_hex(info.type)[:16]}-01",
        "data": data,
    }
    return info.cls.model_validate(envelope)


def _sample_value(schema: Any, root: dict, name: str, earlier: dict[str, EventEnvelope]) -> Any:
    s = _resolve(schema, root)
    if s.get("examples"):
        return s["examples"][0]
    if name in SAMPLE_VALUES and _fits(SAMPLE_VALUES[name], s):
        return SAMPLE_VALUES[name]
    if "const" in s:
        return s["const"]
    if s.get("enum"):
        return s["enum"][0]
    options = s.get("anyOf") or s.get("oneOf")
    if options:
        concrete = [o for o in options if _resolve(o, root).get("type") != "null"]
        return _sample_value(concrete[0], root, name, earlier) if concrete else None
    kind = s.get("type")
    if kind == "object" or "properties" in s:
        return {
            prop: _sample_value(sub, root, prop, earlier)
            for prop, sub in (s.get("properties") or {}).items()
        }
    if kind == "array":
        return [_sample_value(s.get("items") or {}, root, name, earlier)]
    if kind == "string":
        return _sample_string(s.get("format"), name, earlier)
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    return None


def _fits(value: Any, schema: dict) -> bool:
    """A shared sample value must not break a narrower field of the same name (an enum)."""
    if "const" in schema:
        return value == schema["const"]
    return not schema.get("enum") or value in schema["enum"]


def _sample_string(fmt: str | None, name: str, earlier: dict[str, EventEnvelope]) -> str:
    if fmt == "uuid":
        if name == "trigger_event_id" and SAMPLE_VALUES["trigger_type"] in earlier:
            return str(earlier[SAMPLE_VALUES["trigger_type"]].id)
        return str(sample_uuid7(name, SAMPLE_TIME))
    moment = SAMPLE_TIME + SAMPLE_TIME_OFFSETS.get(name, timedelta(0))
    if fmt == "date-time":
        return moment.isoformat().replace("+00:00", "Z")
    if fmt == "date":
        return moment.date().isoformat()
    if fmt == "uri":
        return f"https://example.pingan.local/{name}"
    if fmt == "email":
        return f"{name}@example.pingan.local"
    return name


# -- JSON Schema helpers (local $refs only) ---------------------------------------------------


def _resolve(schema: Any, root: dict) -> dict:
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        target = root
        for part in schema["$ref"].lstrip("#").split("/")[1:]:
            target = target[part.replace("~1", "/").replace("~0", "~")]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema if isinstance(schema, dict) else {}


def _properties(schema: Any, root: dict) -> dict[str, Any]:
    return _resolve(schema, root).get("properties") or {}


def _ref_name(schema: Any) -> str | None:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _one_paragraph(doc: str) -> str:
    """A docstring as one Markdown paragraph (reST ````code```` becomes `code`)."""
    return " ".join(doc.split()).replace("``", "`")


# -- docs/events.md ---------------------------------------------------------------------------

ENVELOPE_MEANINGS = {
    "specversion": "CloudEvents version, always `1.0`.",
    "id": "Event id, a UUIDv7: unique, and time-ordered so ids sort by creation time. "
    "Consumers deduplicate on it (the inbox records `(group, id)`).",
    "source": "The producing service: `/pingan/<service>`, e.g. `/pingan/intake`.",
    "type": "`pingan.<service>.<aggregate>.<event>.v<N>`; selects the payload model.",
    "subject": "Id of the aggregate the event is about (ticket, task, case, alert, delivery). "
    "It is also the Kafka message key, so one aggregate's events stay in order.",
    "time": "When the fact happened, ISO 8601 with zone (UTC).",
    "datacontenttype": "Always `application/json`.",
    "dataschema": "URI of the type's JSON Schema, "
    "`https://schemas.pingan.local/events/<type>.json`; the `$id` of the checked-in schema file.",
    "correlationid": "Id of the ticket that started the chain: the same on every event that "
    "follows from one ticket, and in every log line about it.",
    "causationid": "Id of the event that directly caused this one; `null` at the start of a chain.",
    "traceparent": "W3C Trace Context of the work that produced the event, so traces follow "
    "events across services.",
    "data": "The payload: one Pydantic model per event type, described below.",
}


def events_markdown(infos: list[EventInfo]) -> str:
    lines: list[str] = []
    add = lines.append
    add("# Event catalog")
    add("")
    add(
        "<!-- Generated by `"
        + COMMAND
        + "` from the models in libs/common/src/pingan_common/events/. Do not edit by hand. -->"
    )
    add("")
    add(
        "Services talk to each other through Kafka events (and, for queries, the owner's REST "
        "API). Every event is a Pydantic model in `libs/common/src/pingan_common/events/`; this "
        f"page, the JSON Schemas in `{SCHEMA_DIR.as_posix()}/` and "
        f"[`asyncapi.json`](asyncapi.json) are generated from those models by `{COMMAND}`, and "
        f"`{COMMAND} --check` fails in CI when any of them is stale."
    )
    add("")
    lines += _envelope_section()
    lines += _topics_section(infos)
    lines += _compatibility_section()
    lines += _index_section(infos)
    for info in _by_topic(infos):
        lines += _event_section(info)
    lines += _value_types_section(infos)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def _envelope_section() -> list[str]:
    root = EventEnvelope.model_json_schema(mode="serialization")
    required = set(root.get("required") or ())
    lines = [
        "## The envelope",
        "",
        "Every event travels as a [CloudEvents 1.0](https://github.com/cloudevents/spec) "
        "envelope in structured JSON mode: the whole envelope is the Kafka message value, "
        "UTF-8 JSON. The outbox relay also sets the Kafka headers `ce_type` and `ce_id` "
        "(the envelope's `type` and `id`), so a consumer can skip a type without parsing it.",
        "",
        "| Field | Type | Required | Meaning |",
        "|---|---|---|---|",
    ]
    for name, prop in (root.get("properties") or {}).items():
        kind = "object" if name == "data" else _type_md(prop, root)
        meaning = ENVELOPE_MEANINGS.get(name) or prop.get("description", "")
        lines.append(f"| `{name}` | {kind} | {_required_md(name, prop, required)} | {meaning} |")
    lines += [
        "",
        "`correlationid`, `causationid` and `traceparent` are CloudEvents extension attributes "
        "(`traceparent` as in the distributed-tracing extension). Build envelopes with "
        "`EventClass.create(data, subject=…, correlationid=…, causation=…)`: it fills "
        "`source`, `type`, `dataschema`, `time`, a new UUIDv7 `id`, and takes `causationid` "
        "and `traceparent` from the causing event. Parse with `parse_event(raw)`: it raises "
        "`UnknownEventType` for a well-formed envelope of a type this build does not know "
        "(consumers skip those) and `ValueError`/`ValidationError` for anything malformed "
        "(consumers dead-letter those).",
        "",
        "### Type names and versions",
        "",
        "`type` is `pingan.<service>.<aggregate>.<event>.v<N>`: the producing service, the "
        "aggregate the event is about (its id is the `subject`), the event in the past tense, "
        "and the contract version, e.g. `pingan.intake.ticket.registered.v1`. Only the service "
        "named in the type publishes it.",
        "",
    ]
    return lines


def _topics_section(infos: list[EventInfo]) -> list[str]:
    topics = list(ALL_TOPICS) + sorted({i.topic for i in infos} - set(ALL_TOPICS))
    lines = [
        "## Topics",
        "",
        "One topic per aggregate stream, keyed by the aggregate id so that one aggregate's "
        "events stay in order on one partition. Reference data lives on compacted topics.",
        "",
        "| Topic | Producer | Key | Event types | Cleanup |",
        "|---|---|---|---|---|",
    ]
    for topic in topics:
        on_topic = [i for i in infos if i.topic == topic]
        producer = ", ".join(sorted({i.service for i in on_topic})) or topic.split(".", 1)[0]
        keys = sorted({_key_md(i) for i in on_topic}) or ["aggregate id"]
        types = ", ".join(f"[`{i.type}`](#{i.type})" for i in on_topic) or "none yet"
        cleanup = "compact" if topic in COMPACTED_TOPICS else "delete"
        lines.append(f"| `{topic}` | {producer} | {', '.join(keys)} | {types} | {cleanup} |")
    example = dead_letter_topic("intake.tickets.v1", "dispatch")
    lines += [
        "",
        "### Dead letters",
        "",
        "A message a consumer group cannot parse, or whose handler still fails after bounded "
        "retries with backoff, goes to the dead-letter topic `<topic>.dlq.<group>` (e.g. "
        f"`{example}` for the `dispatch` group reading `intake.tickets.v1`), "
        "with the original key and bytes and headers `dlq_error`, `dlq_error_type`, "
        "`dlq_original_topic`, `dlq_original_partition`, `dlq_original_offset` and "
        "`dlq_attempts`; the consumer moves on. An operator can inspect and replay it; the "
        "consumers' inboxes make a replay harmless.",
        "",
    ]
    return lines


def _compatibility_section() -> list[str]:
    return [
        "## Compatibility rule",
        "",
        "A published event type is a contract with every consumer and with every event "
        "already on a topic. Within one version (`….v<N>`) the current schema must accept "
        "every event the published schema accepted and keep every property it had:",
        "",
        "- fine: adding an optional property; widening a type (allowing `null`, more enum "
        "values, a looser bound, `integer` → `number`);",
        "- breaking: removing a property, changing its type, format or fixed value, narrowing "
        "an enum, tightening a bound, adding a required property, or making an optional "
        "property required.",
        "",
        "Consumers must therefore ignore properties they do not know and tolerate enum values "
        "they do not know. A breaking change needs a new event type `….v<N+1>`: keep the old "
        "model and its schema (events of it stay on the topics and are replayed), add the new "
        "model next to it in `EVENT_CLASSES` and `AnyEvent`, teach consumers the new type, then "
        "switch the producer. `libs/common/tests/unit/test_event_schemas.py` fails when a model "
        "breaks its checked-in schema or when a checked-in schema loses its model, and the "
        "generator refuses to overwrite a published schema with a breaking one.",
        "",
    ]


def _index_section(infos: list[EventInfo]) -> list[str]:
    lines = [
        "## Events",
        "",
        "| Type | Topic | Producer | Model |",
        "|---|---|---|---|",
    ]
    for info in _by_topic(infos):
        lines.append(
            f"| [`{info.type}`](#{info.type}) | `{info.topic}` | {info.service} | `{info.name}` |"
        )
    lines.append("")
    return lines


def _event_section(info: EventInfo) -> list[str]:
    schema = info.schema
    payload_ref = schema["properties"]["data"]
    payload = _resolve(payload_ref, schema)
    required = set(payload.get("required") or ())
    schema_file = Path("..") / schema_path(info.type)
    lines = [
        f'<a id="{info.type}"></a>',
        "",
        f"### `{info.type}`",
        "",
        info.description,
        "",
        "| | |",
        "|---|---|",
        f"| Type | `{info.type}` |",
        f"| Topic | `{info.topic}` |",
        f"| Kafka key | {_key_md(info)} |",
        f"| Producer | {info.service} (`source` = `{info.source}`) |",
        f"| Model | `{info.cls.__module__}.{info.name}`, payload `{info.payload_class.__name__}` |",
        f"| Schema | [`{schema_path(info.type).name}`]({schema_file.as_posix()}), "
        f"`dataschema` = `{info.dataschema}` |",
        "",
        "Payload (`data`):",
        "",
        "| Field | Type | Required | Description |",
        "|---|---|---|---|",
    ]
    for name, prop in (payload.get("properties") or {}).items():
        lines.append(
            f"| `{name}` | {_type_md(prop, schema)} | {_required_md(name, prop, required)} | "
            f"{_md_cell(prop.get('description', ''))} |"
        )
    example = sample_event(info.cls).model_dump(mode="json")
    lines += [
        "",
        "Example:",
        "",
        "```json",
        json.dumps(example, indent=2, ensure_ascii=False),
        "```",
        "",
    ]
    return lines


def _value_types_section(infos: list[EventInfo]) -> list[str]:
    shared: dict[str, tuple[dict, dict, list[str]]] = {}
    for info in infos:
        schema = info.schema
        payload_name = _ref_name(schema["properties"]["data"])
        for name, definition in (schema.get("$defs") or {}).items():
            if name == payload_name:
                continue
            if name in shared and shared[name][0] != definition:
                name = f"{name} ({info.name})"  # a clash: keep both, labelled
            entry = shared.setdefault(name, (definition, schema, []))
            entry[2].append(info.type)
    if not shared:
        return []
    lines = [
        "## Value types",
        "",
        "Types shared by several payloads. Enums may gain values within a version; consumers "
        "must tolerate values they do not know.",
        "",
    ]
    for name in sorted(shared):
        definition, root, used_by = shared[name]
        lines += [f'<a id="{_type_anchor(name)}"></a>', "", f"### {name}", ""]
        if definition.get("description"):
            lines += [_one_paragraph(definition["description"]), ""]
        if "enum" in definition:
            values = ", ".join(f"`{v}`" for v in definition["enum"])
            lines += [f"Enum ({definition.get('type', 'value')}): {values}.", ""]
        elif "properties" in definition:
            required = set(definition.get("required") or ())
            lines += ["| Field | Type | Required | Description |", "|---|---|---|---|"]
            for prop_name, prop in definition["properties"].items():
                lines.append(
                    f"| `{prop_name}` | {_type_md(prop, root)} | "
                    f"{_required_md(prop_name, prop, required)} | "
                    f"{_md_cell(prop.get('description', ''))} |"
                )
            lines.append("")
        else:
            lines += [f"Type: {_type_md(definition, root)}.", ""]
        used = ", ".join(f"[`{t}`](#{t})" for t in used_by)
        lines += [f"Used by: {used}.", ""]
    return lines


def _by_topic(infos: list[EventInfo]) -> list[EventInfo]:
    order = {topic: index for index, topic in enumerate(ALL_TOPICS)}
    return sorted(infos, key=lambda i: order.get(i.topic, len(order)))


def _key_md(info: EventInfo) -> str:
    if info.key_field:
        return f"`subject` = `data.{info.key_field}`"
    return f"`subject` = the {info.aggregate} id"


def _type_md(schema: Any, root: dict) -> str:
    if not isinstance(schema, dict) or not schema:
        return "any"
    ref = _ref_name(schema)
    if ref:
        return f"[{ref}](#{_type_anchor(ref)})"
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return " or ".join(_type_md(option, root) for option in options)
    if "const" in schema:
        return f"`{json.dumps(schema['const'], ensure_ascii=False)}`"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind == "array":
        return f"array of {_type_md(schema.get('items') or {}, root)}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"map of string to {_type_md(schema['additionalProperties'], root)}"
    if schema.get("format"):
        return f"{kind or 'string'} ({schema['format']})"
    return str(kind or "any")


def _required_md(name: str, prop: dict, required: set[str]) -> str:
    if name in required:
        return "yes"
    if "default" in prop:
        return f"no (default `{json.dumps(prop['default'], ensure_ascii=False)}`)"
    return "no"


def _type_anchor(name: str) -> str:
    return "type-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _md_cell(text: str) -> str:
    return _one_paragraph(text).replace("|", "\\|")


# -- docs/asyncapi.json ----------------------------------------------------------------------


def asyncapi_document(infos: list[EventInfo]) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for info in infos:
        schemas.update(_hoisted_schemas(info, schemas))
        messages[info.name] = _asyncapi_message(info)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    topics = list(ALL_TOPICS) + sorted({i.topic for i in infos} - set(ALL_TOPICS))
    for topic in topics:
        on_topic = [i for i in infos if i.topic == topic]
        channels[topic] = _asyncapi_channel(topic, on_topic)
        if on_topic:
            channels[f"{topic}.dlq"] = _asyncapi_dead_letter_channel(topic)
        for service in sorted({i.service for i in on_topic}):
            sent = [i for i in on_topic if i.service == service]
            operations[f"{service}.send.{topic}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{_pointer_part(topic)}"},
                "title": f"{service} publishes to {topic}",
                "summary": f"Sent by the {service} service through its transactional outbox.",
                "messages": [
                    {"$ref": f"#/channels/{_pointer_part(topic)}/messages/{i.name}"} for i in sent
                ],
                "tags": [{"name": service}],
            }
    messages["DeadLetter"] = {
        "name": "dead-letter",
        "title": "Dead letter",
        "summary": "The original message, unchanged, with why it could not be applied.",
        "contentType": "application/octet-stream",
        "headers": {
            "type": "object",
            "properties": {
                "dlq_error": {"type": "string", "description": "The error, truncated"},
                "dlq_error_type": {"type": "string", "description": "The exception class"},
                "dlq_original_topic": {"type": "string"},
                "dlq_original_partition": {"type": "string"},
                "dlq_original_offset": {"type": "string"},
                "dlq_attempts": {"type": "string", "description": "Handler attempts made"},
            },
        },
        "payload": {"description": "The original message value, byte for byte"},
    }
    services = sorted({i.service for i in infos})
    return {
        "asyncapi": "3.0.0",
        "id": "urn:pingan:events",
        "info": {
            "title": "Pingan events",
            "version": _package_version(),
            "description": (
                "Events exchanged by the Pingan services over Kafka: CloudEvents 1.0 envelopes "
                "in structured JSON mode, one topic per aggregate stream, keyed by the aggregate "
                "id (`subject`). Generated by `" + COMMAND + "` from the Pydantic models in "
                "libs/common; see docs/events.md for the catalog and the compatibility rule."
            ),
            "tags": [{"name": service} for service in services],
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "The local stack's Kafka-compatible broker (`make run`).",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def _asyncapi_message(info: EventInfo) -> dict[str, Any]:
    example = sample_event(info.cls)
    return {
        "name": info.type,
        "title": info.name,
        "summary": _first_sentence(info.description),
        "description": info.description,
        "contentType": "application/cloudevents+json",
        "headers": {
            "type": "object",
            "properties": {
                "ce_type": {"type": "string", "const": info.type},
                "ce_id": {"type": "string", "format": "uuid", "description": "The envelope id"},
            },
            "required": ["ce_type", "ce_id"],
        },
        "payload": {"$ref": f"#/components/schemas/{info.name}"},
        "correlationId": {
            "description": "The id of the ticket that started the chain",
            "location": "$message.payload#/correlationid",
        },
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": _key_md(info).replace("`", "")},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
        "examples": [
            {
                "name": info.event,
                "headers": {"ce_type": info.type, "ce_id": str(example.id)},
                "payload": example.model_dump(mode="json"),
            }
        ],
        "tags": [{"name": info.service}],
        "x-dataschema": info.dataschema,
    }


def _asyncapi_channel(topic: str, on_topic: list[EventInfo]) -> dict[str, Any]:
    compacted = topic in COMPACTED_TOPICS
    if on_topic:
        keys = ", ".join(sorted({_key_md(i) for i in on_topic}))
        description = f"Keyed by {keys}."
    else:
        description = "No event type in this build publishes here yet."
    if compacted:
        description += " Compacted: the latest value per key is kept."
    return {
        "address": topic,
        "title": topic,
        "description": description,
        "messages": {i.name: {"$ref": f"#/components/messages/{i.name}"} for i in on_topic},
        "bindings": {
            "kafka": {
                "topic": topic,
                "topicConfiguration": {"cleanup.policy": ["compact" if compacted else "delete"]},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _asyncapi_dead_letter_channel(topic: str) -> dict[str, Any]:
    return {
        "address": dead_letter_topic(topic, "{group}"),
        "title": f"Dead letters of {topic}",
        "description": (
            f"One topic per consumer group reading `{topic}`: messages the group could not "
            "parse or apply after bounded retries."
        ),
        "parameters": {"group": {"description": "The consumer group, e.g. `dispatch`"}},
        "messages": {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
    }


def _hoisted_schemas(info: EventInfo, existing: dict[str, Any]) -> dict[str, Any]:
    """The envelope schema and its ``$defs`` as AsyncAPI components, refs rewritten."""
    schema = dict(info.schema)
    defs: dict[str, Any] = schema.pop("$defs", {})
    for key in ("$id", "$schema"):
        schema.pop(key, None)
    names = {name: name for name in defs}
    plain = {name: _rewrite_refs(d, names) for name, d in defs.items()}
    if any(name in existing and existing[name] != d for name, d in plain.items()):
        names = {name: f"{info.name}.{name}" for name in defs}
    hoisted = {names[name]: _rewrite_refs(d, names) for name, d in defs.items()}
    if info.name in existing or info.name in hoisted:
        raise ValueError(f"AsyncAPI schema name clash: {info.name}")
    hoisted[info.name] = _rewrite_refs(schema, names)
    return hoisted


def _rewrite_refs(node: Any, names: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {k: _rewrite_refs(v, names) for k, v in node.items()}
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            out["$ref"] = f"#/components/schemas/{names[ref.removeprefix('#/$defs/')]}"
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, names) for v in node]
    return node


def _pointer_part(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.。])(\s|$)", text)
    return match.group(1) if match else text


def _package_version() -> str:
    try:
        return metadata.version("pingan-common")
    except metadata.PackageNotFoundError:
        return "0.0.0"


# -- files --------------------------------------------------------------------------------------


def generate_files() -> dict[Path, str]:
    """Every generated file's path (relative to the repository root) and content."""
    infos = all_event_infos()
    seen: dict[str, str] = {}
    for info in infos:
        if info.type in seen:
            raise ValueError(f"{info.type} is declared twice ({seen[info.type]}, {info.name})")
        seen[info.type] = info.name
    files = {schema_path(i.type): render_json(i.schema) for i in infos}
    files[EVENTS_DOC_PATH] = events_markdown(infos)
    files[ASYNCAPI_PATH] = render_json(asyncapi_document(infos))
    return files


def published_schemas(root: Path) -> dict[str, dict[str, Any]]:
    """The checked-in schemas under ``root``, by event type."""
    directory = root / SCHEMA_DIR
    if not directory.is_dir():
        return {}
    return {
        path.name.removesuffix(".json"): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*.json"))
    }


def breaking_against(root: Path) -> dict[str, list[str]]:
    """Per event type, how the current model breaks its checked-in schema (if at all)."""
    published = published_schemas(root)
    found: dict[str, list[str]] = {}
    for info in all_event_infos():
        if info.type in published:
            problems = breaking_changes(published[info.type], info.schema)
            if problems:
                found[info.type] = problems
    return found


def orphan_schemas(root: Path) -> list[str]:
    """Checked-in schemas whose event type no model declares any more."""
    known = {info.type for info in all_event_infos()}
    return [t for t in published_schemas(root) if t not in known]


def breaking_message(event_type: str, problems: Iterable[str]) -> str:
    listed = "\n".join(f"    - {p}" for p in problems)
    return (
        f"{event_type}: the model breaks the published schema {schema_path(event_type)}:\n"
        f"{listed}\n"
        f"  Keep {event_type} as published and add a new event type "
        f"{next_version(event_type)} for the changed shape."
    )


def check_files(root: Path, files: dict[Path, str] | None = None) -> list[str]:
    """Problems that make ``--check`` fail; empty when everything on disk is current."""
    files = generate_files() if files is None else files
    problems = [breaking_message(t, p) for t, p in breaking_against(root).items()]
    problems += [
        f"{schema_path(t)}: published event type {t} has no model any more; a published "
        "type cannot be removed (keep its model in EVENT_CLASSES)"
        for t in orphan_schemas(root)
    ]
    for relative, content in files.items():
        path = root / relative
        if not path.is_file():
            problems.append(f"{relative}: missing")
        elif path.read_text(encoding="utf-8") != content:
            problems.append(f"{relative}: out of date")
    return problems


def write_files(root: Path, files: dict[Path, str]) -> list[Path]:
    """Write what differs; returns the paths written."""
    written = []
    for relative, content in files.items():
        path = root / relative
        if path.is_file() and path.read_text(encoding="utf-8") == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(relative)
    return written


def find_repo_root(start: Path | None = None) -> Path:
    here = (start or Path(__file__)).resolve()
    for candidate in [here, *here.parents]:
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and "[tool.uv.workspace]" in pyproject.read_text(encoding="utf-8"):
            return candidate
    raise SystemExit("schemagen: cannot find the workspace root; pass --root")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pingan_common.events.schemagen",
        description="Generate event JSON Schemas, docs/events.md and docs/asyncapi.json.",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if any file is stale"
    )
    parser.add_argument("--root", type=Path, help="repository root (default: found upwards)")
    parser.add_argument(
        "--allow-breaking",
        action="store_true",
        help="overwrite a checked-in schema with a breaking one (only for unreleased versions)",
    )
    args = parser.parse_args(argv)
    root = (args.root or find_repo_root()).resolve()
    files = generate_files()

    if args.check:
        problems = check_files(root, files)
        if problems:
            print("schemagen --check: generated event files are not current:", file=sys.stderr)
            for problem in problems:
                print(f"  {problem}", file=sys.stderr)
            if breaking_against(root):
                print("Breaking changes need a new event version, not new files.", file=sys.stderr)
            print(f"Run `{COMMAND}` and commit the result.", file=sys.stderr)
            return 1
        print(f"schemagen --check: {len(files)} generated files are up to date")
        return 0

    breaking = breaking_against(root)
    if breaking and not args.allow_breaking:
        print("schemagen: refusing to overwrite published schemas:", file=sys.stderr)
        for event_type, problems in breaking.items():
            print(breaking_message(event_type, problems), file=sys.stderr)
        print("(--allow-breaking overrides this for a version never released)", file=sys.stderr)
        return 2
    written = write_files(root, files)
    for relative in written:
        print(f"wrote {relative}")
    for event_type in orphan_schemas(root):
        print(
            f"warning: {schema_path(event_type)} has no model; published types must stay",
            file=sys.stderr,
        )
    if not written:
        print(f"schemagen: {len(files)} generated files already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
