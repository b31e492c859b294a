"""Deterministic sample events: one valid example of every event type, linked into one story.

The catalog page and the AsyncAPI document show them, and tests build on them; they are derived
from the schemas, so a new field gets an example without anyone writing one.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from uuid import UUID

from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.schemagen.info import EventInfo, all_event_infos
from pingan_common.events.schemagen.refs import properties_of, resolve

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
        for name, prop in properties_of(schema["properties"]["data"], schema).items()
        if resolve(prop, schema).get("format") == "date-time"
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
    s = resolve(schema, root)
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
        concrete = [o for o in options if resolve(o, root).get("type") != "null"]
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
