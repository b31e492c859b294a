"""A message that cannot be applied goes to ``<topic>.dlq.<group>`` and the consumer moves on.

- an unparseable message and a schema-invalid one (valid JSON, known type, bad data) are
  dead-lettered at once with their error and original position; the next event is applied;
  the offsets are committed, so a restarted dispatch does not dead-letter them again;
- an event whose handler keeps failing is retried ``handler_max_attempts`` times, then
  dead-lettered, and the events after it still flow.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import pingan_dispatch.bootstrap as dispatch
import pingan_dispatch.tasks.handlers as dispatch_handlers
from pingan_common.bus.producer import OutgoingMessage
from pingan_common.bus.topic_reader import read_topic
from pingan_common.events.topics import INTAKE_TICKETS, dead_letter_topic
from pingan_common.testing.events import ticket_registered
from pingan_common.testing.services import TestStack, eventually, running_service
from pingan_dispatch.settings import DispatchSettings
from tests.guarantees.conftest import (
    as_message,
    committed_total,
    produce,
    sql,
)

pytestmark = pytest.mark.guarantee
DLQ = dead_letter_topic(INTAKE_TICKETS, "dispatch")


async def _has_task(settings: DispatchSettings, ticket_id: Any) -> bool:
    return await sql(settings, "select count(*) from tasks where ticket_id = $1", ticket_id) == 1


async def _dead_letters(settings: DispatchSettings, n: int) -> list[Any]:
    async def probe() -> list[Any] | None:
        records = await read_topic(settings.kafka, DLQ)
        assert len(records) <= n, f"{len(records)} dead letters, expected {n}"
        return records if len(records) == n else None

    return await eventually(probe)


async def test_unparseable_and_invalid_messages_are_dead_lettered_once(stack: TestStack) -> None:
    settings = await stack.settings(DispatchSettings, "dispatch")
    first, second = ticket_registered(), ticket_registered()
    # Same key for everything: one partition, so "the next event" really comes after them.
    key = str(first.data.ticket_id)
    invalid = json.loads(ticket_registered().to_json_bytes())
    invalid["data"]["ticket_id"] = "not-a-uuid"
    invalid["data"]["urgency"] = "whenever"
    poison = [
        OutgoingMessage(INTAKE_TICKETS, key, b'{"type": truncated', "garbage"),
        OutgoingMessage(INTAKE_TICKETS, key, json.dumps(invalid).encode(), "invalid"),
    ]

    async with running_service(dispatch, settings):
        await produce(settings.kafka, [*poison, as_message(first, key=key)])
        await eventually(lambda: _has_task(settings, first.data.ticket_id))
        dead = await _dead_letters(settings, 2)
        await eventually(
            lambda: _at_least(committed_total(settings.kafka, "dispatch", INTAKE_TICKETS), 3)
        )

    assert [record.value for record in dead] == [message.value for message in poison]
    headers = [dict(record.headers) for record in dead]
    assert [h["dlq_original_offset"] for h in headers] == [b"0", b"1"]
    assert all(h["dlq_error"] for h in headers)
    assert headers[0]["dlq_error_type"] == b"JSONDecodeError"
    assert headers[1]["dlq_error_type"] == b"ValidationError"
    assert b"ticket_id" in headers[1]["dlq_error"]
    assert headers[1]["dlq_original_topic"] == settings.kafka.topic(INTAKE_TICKETS).encode()

    # A restarted dispatch resumes after the committed offsets: nothing is dead-lettered twice.
    async with running_service(dispatch, settings):
        await produce(settings.kafka, [as_message(second, key=key)])
        await eventually(lambda: _has_task(settings, second.data.ticket_id))
    assert len(await read_topic(settings.kafka, DLQ)) == 2
    assert await sql(settings, "select count(*) from tasks") == 2


async def test_a_handler_that_keeps_failing_is_retried_then_dead_lettered(
    stack: TestStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = await stack.settings(DispatchSettings, "dispatch")
    doomed, after_same_key, after_other_key = (ticket_registered() for _ in range(3))
    key = str(doomed.data.ticket_id)
    attempts = 0
    real_open_task = dispatch_handlers.open_task

    async def open_task(work, new_task):  # type: ignore[no-untyped-def]
        nonlocal attempts
        if new_task.source_event_id == doomed.id:
            attempts += 1
            await real_open_task(work, new_task)  # its writes must be rolled back with the attempt
            raise RuntimeError("routing table unavailable for this ticket (simulated)")
        return await real_open_task(work, new_task)

    monkeypatch.setattr(dispatch_handlers, "open_task", open_task)
    async with running_service(dispatch, settings):
        await produce(
            settings.kafka,
            [as_message(doomed), as_message(after_same_key, key=key), as_message(after_other_key)],
        )
        await eventually(lambda: _has_task(settings, after_same_key.data.ticket_id))
        await eventually(lambda: _has_task(settings, after_other_key.data.ticket_id))
        [dead] = await _dead_letters(settings, 1)

    assert attempts == settings.kafka.handler_max_attempts
    headers = dict(dead.headers)
    assert headers["dlq_attempts"] == str(settings.kafka.handler_max_attempts).encode()
    assert headers["dlq_error_type"] == b"RuntimeError"
    assert b"routing table unavailable" in headers["dlq_error"]
    assert dead.value == doomed.to_json_bytes()
    assert not await _has_task(settings, doomed.data.ticket_id)
    assert await sql(settings, "select count(*) from inbox where event_id = $1", doomed.id) == 0
    task_events = "select count(*) from outbox where event_type like 'pingan.dispatch.task.%'"
    assert await sql(settings, task_events) == 4  # created+assigned, twice


async def _at_least(value: Any, n: int) -> bool:
    return await value >= n
