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

The modules, in the order they build on each other:

- ``info``: what is known about one event type (``EventInfo``), its schema, the output paths;
- ``refs``: reading local ``$ref``s in a generated schema;
- ``samples``: one deterministic example event per type;
- ``markdown``: ``docs/events.md``;
- ``asyncapi``: ``docs/asyncapi.json``;
- ``files``: all generated files, the compatibility check against the checked-in schemas,
  writing;
- ``cli``: the command line (``__main__`` runs it).
"""

from pingan_common.events.schemagen.asyncapi import KAFKA_BINDING_VERSION, asyncapi_document
from pingan_common.events.schemagen.cli import main
from pingan_common.events.schemagen.files import (
    breaking_against,
    breaking_message,
    check_files,
    find_repo_root,
    generate_files,
    orphan_schemas,
    published_schemas,
    write_files,
)
from pingan_common.events.schemagen.info import (
    ASYNCAPI_PATH,
    COMMAND,
    EVENTS_DOC_PATH,
    JSON_SCHEMA_DIALECT,
    SCHEMA_DIR,
    TYPE_PATTERN,
    EventInfo,
    all_event_infos,
    dataschema_uri,
    event_info,
    event_schema,
    next_version,
    render_json,
    schema_path,
)
from pingan_common.events.schemagen.markdown import ENVELOPE_MEANINGS, events_markdown
from pingan_common.events.schemagen.samples import (
    SAMPLE_TIME,
    SAMPLE_TIME_OFFSETS,
    SAMPLE_TRACE_ID,
    SAMPLE_VALUES,
    sample_event,
    sample_events,
    sample_uuid7,
)

__all__ = [
    "ASYNCAPI_PATH",
    "COMMAND",
    "ENVELOPE_MEANINGS",
    "EVENTS_DOC_PATH",
    "JSON_SCHEMA_DIALECT",
    "KAFKA_BINDING_VERSION",
    "SAMPLE_TIME",
    "SAMPLE_TIME_OFFSETS",
    "SAMPLE_TRACE_ID",
    "SAMPLE_VALUES",
    "SCHEMA_DIR",
    "TYPE_PATTERN",
    "EventInfo",
    "all_event_infos",
    "asyncapi_document",
    "breaking_against",
    "breaking_message",
    "check_files",
    "dataschema_uri",
    "event_info",
    "event_schema",
    "events_markdown",
    "find_repo_root",
    "generate_files",
    "main",
    "next_version",
    "orphan_schemas",
    "published_schemas",
    "render_json",
    "sample_event",
    "sample_events",
    "sample_uuid7",
    "schema_path",
    "write_files",
]
