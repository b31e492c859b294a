"""A consumer skips, without parsing, the records whose ``ce_type`` header names an event type it
has no handler for; everything else is parsed (and garbage dead-lettered) as before."""

from __future__ import annotations

from typing import Any

from aiokafka.structs import ConsumerRecord

from pingan_common.bus.consumer import ConsumerRunner, announced_type
from pingan_common.events.intake import TicketMerged, TicketRegistered
from pingan_common.settings import KafkaSettings
from pingan_common.testing.events import ticket_registered


async def _handle(event: Any, context: Any) -> None:
    raise AssertionError("parsing must not apply")


class NoDeadLetters:
    """Deps whose every use fails the test: skipping or parsing touches no dependency."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the consumer used its {name}")


def _runner() -> ConsumerRunner:
    return ConsumerRunner(
        service="test",
        group="test",
        handlers={TicketRegistered: [_handle]},
        deps=NoDeadLetters(),  # type: ignore[arg-type]
        settings=KafkaSettings(),
    )


def _record(value: bytes, headers: list[tuple[str, bytes]]) -> ConsumerRecord:
    return ConsumerRecord(
        topic="pingan.intake.tickets.v1",
        partition=0,
        offset=7,
        timestamp=0,
        timestamp_type=0,
        key=None,
        value=value,
        checksum=None,
        serialized_key_size=0,
        serialized_value_size=len(value),
        headers=headers,
    )


async def test_an_unhandled_type_in_the_header_is_skipped_without_parsing_the_body() -> None:
    record = _record(b"not json at all", [("ce_type", TicketMerged.event_type().encode())])
    assert await _runner()._parse(record) is None  # garbage, but never parsed: no dead letter


async def test_a_handled_type_in_the_header_is_parsed_and_handed_to_its_handlers() -> None:
    event = ticket_registered()
    record = _record(event.to_json_bytes(), [("ce_type", event.type.encode())])
    parsed = await _runner()._parse(record)
    assert parsed is not None
    assert parsed[1].id == event.id and parsed[2] == [_handle]


async def test_a_record_without_the_header_is_parsed_as_before() -> None:
    event = ticket_registered()
    parsed = await _runner()._parse(_record(event.to_json_bytes(), []))
    assert parsed is not None and parsed[1].id == event.id


def test_the_header_is_read_only_when_present_and_text() -> None:
    assert announced_type(_record(b"", [("ce_id", b"x"), ("ce_type", b"a.b")])) == "a.b"
    assert announced_type(_record(b"", [("ce_type", b"\xff\xfe")])) is None
    assert announced_type(_record(b"", [])) is None
