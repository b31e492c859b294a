"""The event contract: published schemas, generated docs, the compatibility rule, the envelope."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Literal
from uuid import UUID

import pytest
from pydantic import BaseModel, Field, ValidationError, create_model

from pingan_common.events import (
    EVENT_CLASSES,
    EVENTS_BY_TYPE,
    EventEnvelope,
    TaskCreated,
    TicketRegistered,
    UnknownEventType,
    new_event_id,
    parse_event,
    schemagen,
)
from pingan_common.events.compatibility import breaking_changes
from pingan_common.events.envelope import SCHEMA_BASE_URI
from pingan_common.events.topics import ALL_TOPICS

ROOT = schemagen.find_repo_root()
PUBLISHED_DIR = ROOT / schemagen.SCHEMA_DIR
REGENERATE = f"run `{schemagen.COMMAND}` and commit the result"


def by_type(cls: type[EventEnvelope]) -> str:
    return cls.event_type()


def published(event_type: str) -> dict:
    return json.loads((PUBLISHED_DIR / f"{event_type}.json").read_text(encoding="utf-8"))


# -- published schemas ----------------------------------------------------------------------


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=by_type)
def test_every_event_model_is_compatible_with_its_published_schema(cls):
    event_type = cls.event_type()
    if not (PUBLISHED_DIR / f"{event_type}.json").is_file():
        pytest.fail(f"{event_type} has no checked-in schema in {PUBLISHED_DIR}; {REGENERATE}")
    problems = breaking_changes(published(event_type), schemagen.event_schema(cls))
    assert not problems, (
        schemagen.breaking_message(event_type, problems)
        + "\n  (Regenerating over the published schema does not fix this: consumers and the "
        "events already on the topic still follow it.)"
    )


def test_every_published_schema_still_has_a_model():
    published_types = sorted(p.name.removesuffix(".json") for p in PUBLISHED_DIR.glob("*.json"))
    assert published_types, f"no published schemas in {schemagen.SCHEMA_DIR}; {REGENERATE}"
    orphans = [t for t in published_types if t not in EVENTS_BY_TYPE]
    assert not orphans, (
        f"published event types without a model: {orphans}. A published type cannot be "
        "removed: keep its model in EVENT_CLASSES and AnyEvent."
    )


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=by_type)
def test_published_schema_id_is_the_envelope_dataschema(cls):
    event_type = cls.event_type()
    assert published(event_type)["$id"] == f"{SCHEMA_BASE_URI}{event_type}.json"


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=by_type)
def test_every_event_type_is_named_and_placed_by_the_architecture(cls):
    info = schemagen.event_info(cls)  # raises unless pingan.<service>.<aggregate>.<event>.v<N>
    assert info.topic in ALL_TOPICS
    assert info.topic.split(".", 1)[0] == info.service, "a service publishes only to its topics"


def test_generated_schemas_are_up_to_date(tmp_path):
    stale = _stale_files(tmp_path, lambda p: p.is_relative_to(schemagen.SCHEMA_DIR))
    assert not stale, f"stale or missing event schemas {stale}; {REGENERATE}"


def test_generated_docs_are_up_to_date(tmp_path):
    stale = _stale_files(tmp_path, lambda p: not p.is_relative_to(schemagen.SCHEMA_DIR))
    assert not stale, f"stale or missing {stale}; {REGENERATE}"


def _stale_files(tmp_path: Path, select) -> list[str]:
    files = {p: c for p, c in schemagen.generate_files().items() if select(p)}
    assert files
    schemagen.write_files(tmp_path, files)
    stale = []
    for relative in files:
        on_disk = ROOT / relative
        fresh = (tmp_path / relative).read_text(encoding="utf-8")
        if not on_disk.is_file() or on_disk.read_text(encoding="utf-8") != fresh:
            stale.append(relative.as_posix())
    return stale


def test_generated_docs_cover_every_event_type():
    files = schemagen.generate_files()
    catalog = files[schemagen.EVENTS_DOC_PATH]
    asyncapi = json.loads(files[schemagen.ASYNCAPI_PATH])
    assert asyncapi["asyncapi"].startswith("3.")
    names = {m["name"] for m in asyncapi["components"]["messages"].values()}
    for cls in EVENT_CLASSES:
        assert f"### `{cls.event_type()}`" in catalog
        assert cls.event_type() in names
        assert cls.__name__ in asyncapi["channels"][cls.topic]["messages"]


def test_check_passes_on_the_repository_and_fails_on_a_stale_tree(tmp_path, capsys):
    assert schemagen.main(["--check", "--root", str(ROOT)]) == 0
    assert schemagen.main(["--check", "--root", str(tmp_path)]) == 1
    assert "missing" in capsys.readouterr().err


def test_generator_refuses_to_overwrite_a_published_schema_with_a_breaking_one(tmp_path, capsys):
    event_type = TaskCreated.event_type()
    target = tmp_path / schemagen.schema_path(event_type)
    target.parent.mkdir(parents=True)
    older = schemagen.event_schema(TaskCreated)
    payload = older["$defs"]["TaskCreatedData"]
    payload["properties"]["legacy_code"] = {"type": "string"}  # the model "removed" it
    target.write_text(schemagen.render_json(older), encoding="utf-8")

    assert schemagen.main(["--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "data.legacy_code: property removed" in err
    assert "pingan.dispatch.task.created.v2" in err
    assert json.loads(target.read_text(encoding="utf-8")) == older
    assert schemagen.main(["--check", "--root", str(tmp_path)]) == 1


def test_check_reports_a_published_schema_without_model(tmp_path, capsys):
    schemagen.write_files(tmp_path, schemagen.generate_files())
    gone = tmp_path / schemagen.schema_path("pingan.intake.ticket.withdrawn.v1")
    gone.write_text("{}\n", encoding="utf-8")
    assert schemagen.main(["--check", "--root", str(tmp_path)]) == 1
    assert "pingan.intake.ticket.withdrawn.v1 has no model" in capsys.readouterr().err


# -- breaking_changes -----------------------------------------------------------------------


class Kind(StrEnum):
    DISPUTE = "dispute"
    HAZARD = "hazard"
    CONSULT = "consult"


class Location(BaseModel):
    lon: float | None = None
    lat: float | None = None
    resolved: bool


class DataV1(BaseModel):
    ticket_id: UUID
    kind: Kind
    location: Location
    note: str = ""
    tags: list[str] = Field(default_factory=list)
    level: int = 0


def schema(model: type[BaseModel]) -> dict:
    return model.model_json_schema(mode="serialization")


def envelope_schema(data_model: type[BaseModel], version: int = 1) -> dict:
    event_type = f"pingan.test.thing.happened.v{version}"
    envelope = create_model(
        "ThingHappened",
        type=(Literal[event_type], event_type),  # type: ignore[valid-type]
        subject=(str, ...),
        data=(data_model, ...),
    )
    return schema(envelope)


PUBLISHED_V1 = envelope_schema(DataV1)


def changes_to(data_model: type[BaseModel]) -> list[str]:
    return breaking_changes(PUBLISHED_V1, envelope_schema(data_model))


def test_an_unchanged_schema_has_no_breaking_changes():
    assert breaking_changes(PUBLISHED_V1, envelope_schema(DataV1)) == []
    assert changes_to(DataV1) == []


def test_a_removed_property_is_breaking():
    class Data(BaseModel):
        ticket_id: UUID
        kind: Kind
        location: Location
        tags: list[str] = Field(default_factory=list)
        level: int = 0

    assert changes_to(Data) == ["data.note: property removed"]


def test_a_retyped_nested_property_is_breaking():
    class Location(BaseModel):
        lon: str | None = None
        lat: float | None = None
        resolved: bool

    class Data(DataV1):
        location: Location

    assert changes_to(Data) == ["data.location.lon: type changed number -> string"]


def test_a_changed_format_is_breaking():
    class Data(DataV1):
        ticket_id: str

    assert changes_to(Data) == []  # a plain string accepts every uuid: widening

    class Narrower(DataV1):
        note: UUID = UUID(int=0)

    assert changes_to(Narrower) == ["data.note: format changed none -> uuid"]


def test_a_retyped_array_item_is_breaking():
    class Data(DataV1):
        tags: list[int] = Field(default_factory=list)

    assert changes_to(Data) == ["data.tags[]: type changed string -> integer"]


def test_a_new_required_property_is_breaking():
    class Data(DataV1):
        unit_code: str

    assert changes_to(Data) == ["data.unit_code: new required property"]


def test_an_optional_property_becoming_required_is_breaking():
    class Data(DataV1):
        note: str

    assert changes_to(Data) == ["data.note: became required (was optional)"]


def test_a_narrowed_enum_is_breaking():
    class Kind(StrEnum):
        DISPUTE = "dispute"
        HAZARD = "hazard"

    class Data(DataV1):
        kind: Kind

    assert changes_to(Data) == ['data.kind: enum narrowed: "consult" no longer allowed']


def test_a_value_no_longer_nullable_is_breaking():
    class Location(BaseModel):
        lon: float
        lat: float | None = None
        resolved: bool

    class Data(DataV1):
        location: Location

    problems = changes_to(Data)
    assert "data.location.lon: became required (was optional)" in problems
    assert any(p.startswith("data.location.lon: no longer accepts null") for p in problems)


def test_a_changed_const_is_breaking():
    assert breaking_changes(PUBLISHED_V1, envelope_schema(DataV1, version=2)) == [
        'type: const changed "pingan.test.thing.happened.v1" -> "pingan.test.thing.happened.v2"'
    ]


def test_narrowing_a_number_to_an_integer_is_breaking_but_widening_is_not():
    class Wider(DataV1):
        level: float = 0

    assert changes_to(Wider) == []
    assert breaking_changes(envelope_schema(Wider), envelope_schema(DataV1)) == [
        "data.level: type changed number -> integer"
    ]


def test_an_added_optional_property_is_not_breaking():
    class Data(DataV1):
        co_unit_codes: list[str] = Field(default_factory=list)
        external_ref: str | None = None

    assert changes_to(Data) == []


def test_a_widened_enum_is_not_breaking():
    class Kind(StrEnum):
        DISPUTE = "dispute"
        HAZARD = "hazard"
        CONSULT = "consult"
        PETITION = "petition"

    class Data(DataV1):
        kind: Kind

    assert changes_to(Data) == []


def test_a_nullable_or_looser_value_is_not_breaking():
    class Data(DataV1):
        level: int | None = 0
        location: Location | None = None

    assert changes_to(Data) == []


def test_renaming_a_definition_with_the_same_shape_is_not_breaking():
    class Place(BaseModel):
        lon: float | None = None
        lat: float | None = None
        resolved: bool

    class Data(DataV1):
        location: Place

    assert changes_to(Data) == []


def test_a_change_inside_an_optional_nested_model_is_found():
    class Optional1(BaseModel):
        location: Location | None = None

    class Location2(BaseModel):
        lon: float | None = None
        resolved: bool

    class Optional2(BaseModel):
        location: Location2 | None = None

    assert breaking_changes(schema(Optional1), schema(Optional2)) == [
        "location.lat: property removed"
    ]


class Node(BaseModel):
    name: str
    children: list[Node] = Field(default_factory=list)


def test_recursive_schemas_compare_without_looping():
    class Node2(BaseModel):
        name: int
        children: list[Node2] = Field(default_factory=list)

    assert breaking_changes(schema(Node), schema(Node)) == []
    assert breaking_changes(schema(Node), schema(Node2)) == ["name: type changed string -> integer"]


# -- the envelope ---------------------------------------------------------------------------


def test_create_fills_the_envelope_from_the_type():
    registered = schemagen.sample_event(TicketRegistered)
    ticket_id = str(registered.data.ticket_id)
    at = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

    event = TicketRegistered.create(
        registered.data, subject=ticket_id, correlationid=ticket_id, time=at
    )

    assert event.specversion == "1.0"
    assert event.source == "/pingan/intake"
    assert event.type == "pingan.intake.ticket.registered.v1"
    assert event.dataschema == (
        "https://schemas.pingan.local/events/pingan.intake.ticket.registered.v1.json"
    )
    assert event.datacontenttype == "application/json"
    assert (event.subject, event.correlationid, event.time) == (ticket_id, ticket_id, at)
    assert event.causationid is None
    assert event.id.version == 7


def test_create_takes_causation_and_trace_from_the_causing_event():
    registered = schemagen.sample_event(TicketRegistered)
    cause = TicketRegistered.create(
        registered.data,
        subject=registered.subject,
        correlationid=registered.correlationid,
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )
    task = schemagen.sample_event(TaskCreated)

    event = TaskCreated.create(
        task.data, subject=task.subject, correlationid=cause.correlationid, causation=cause
    )

    assert event.source == "/pingan/dispatch"
    assert event.causationid == str(cause.id)
    assert event.correlationid == cause.correlationid
    assert event.traceparent == cause.traceparent
    assert event.id != cause.id


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=by_type)
def test_create_names_the_producer_and_schema_of_every_type(cls):
    sample = schemagen.sample_event(cls)
    event = cls.create(sample.data, subject=sample.subject, correlationid=sample.correlationid)
    assert event.source == f"/pingan/{cls.event_type().split('.')[1]}"
    assert event.dataschema == published(cls.event_type())["$id"]


def test_event_ids_are_uuid7_and_sort_by_creation_time():
    before = time.time_ns() // 1_000_000
    ids = []
    for index in range(300):
        ids.append(new_event_id())
        if index % 100 == 0:
            time.sleep(0.003)
    after = time.time_ns() // 1_000_000

    assert all(i.version == 7 for i in ids)
    assert len(set(ids)) == len(ids)
    assert sorted(ids) == ids
    assert sorted(str(i) for i in ids) == [str(i) for i in ids]
    millis = [i.int >> 80 for i in ids]
    assert before <= millis[0] and millis[-1] <= after  # the timestamp is the clock's


def test_a_burst_of_ids_stays_in_order_and_close_to_the_clock():
    before = time.time_ns() // 1_000_000
    ids = [new_event_id() for _ in range(20_000)]
    after = time.time_ns() // 1_000_000

    assert sorted(ids) == ids
    assert len(set(ids)) == len(ids)
    millis = [i.int >> 80 for i in ids]
    # more than 4,096 ids in one millisecond borrow the next one, never more than a few
    assert before <= millis[0] and millis[-1] <= after + 5


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=by_type)
def test_every_event_round_trips_through_json(cls):
    sample = schemagen.sample_event(cls)
    fresh = cls.create(
        sample.data, subject=sample.subject, correlationid=sample.correlationid, causation=sample
    )
    for event in (sample, fresh):
        parsed = parse_event(event.to_json_bytes())
        assert type(parsed) is cls
        assert parsed == event
        assert parse_event(event.to_json_bytes().decode()) == event


def test_an_unknown_type_is_reported_as_such():
    document = schemagen.sample_event(TicketRegistered).model_dump(mode="json")
    document["type"] = "pingan.intake.ticket.reopened.v1"
    with pytest.raises(UnknownEventType, match="reopened"):
        parse_event(json.dumps(document))


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"\xff\xfe", b"[1, 2]", b'"a string"', b"null", b"{}"],
    ids=["empty", "text", "bad-utf8", "array", "string", "null", "empty-object"],
)
def test_garbage_is_a_value_error_not_an_unknown_type(raw):
    with pytest.raises(ValueError) as caught:
        parse_event(raw)
    assert not isinstance(caught.value, UnknownEventType)


def test_an_envelope_without_type_is_a_value_error():
    document = schemagen.sample_event(TicketRegistered).model_dump(mode="json")
    del document["type"]
    with pytest.raises(ValueError, match="type") as caught:
        parse_event(json.dumps(document))
    assert not isinstance(caught.value, UnknownEventType)


@pytest.mark.parametrize(
    ("field", "value"),
    [("ticket_id", "not-a-uuid"), ("channel", "carrier_pigeon"), ("location", None)],
)
def test_a_wrong_payload_is_a_validation_error(field, value):
    document = schemagen.sample_event(TicketRegistered).model_dump(mode="json")
    document["data"][field] = value
    with pytest.raises(ValidationError):
        parse_event(json.dumps(document))


def test_a_missing_envelope_field_is_a_validation_error():
    document = schemagen.sample_event(TaskCreated).model_dump(mode="json")
    del document["subject"]
    with pytest.raises(ValidationError):
        parse_event(json.dumps(document))
