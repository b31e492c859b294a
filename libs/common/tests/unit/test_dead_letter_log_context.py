"""A dead-letter log line names the poison message's own ids, never the previous event's."""

from __future__ import annotations

import json

import pytest
import structlog

from pingan_common.bus.consumer import record_log_context


def test_a_parseable_message_gives_its_own_ids() -> None:
    raw = json.dumps({"id": "e-2", "correlationid": "t-2", "type": "pingan.x.y.z.v1"}).encode()
    assert record_log_context(raw) == {
        "correlation_id": "t-2",
        "event_id": "e-2",
        "event_type": "pingan.x.y.z.v1",
    }


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", None, json.dumps({"id": 7}).encode()])
def test_a_message_without_readable_ids_clears_them(raw: bytes | None) -> None:
    assert set(record_log_context(raw).values()) == {None}


def test_the_bound_context_replaces_the_previous_events_ids() -> None:
    structlog.contextvars.bind_contextvars(correlation_id="t-1", event_id="e-1")
    try:
        with structlog.contextvars.bound_contextvars(**record_log_context(b"garbage")):
            inside = structlog.contextvars.get_contextvars()
        assert inside["correlation_id"] is None and inside["event_id"] is None
        assert structlog.contextvars.get_contextvars()["event_id"] == "e-1"
    finally:
        structlog.contextvars.clear_contextvars()
