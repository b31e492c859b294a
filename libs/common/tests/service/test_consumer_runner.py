"""The consumer runner on a real PostgreSQL and the real broker, with test handlers.

- a failing handler is retried ``handler_max_attempts`` times with exponential backoff, then the
  message is dead-lettered with its error in the headers, and later events still flow;
- each attempt is one transaction: effects of failed attempts are rolled back;
- garbage and schema-invalid messages go straight to the dead-letter topic;
- offsets are committed only after the effect: a consumer killed mid-batch loses nothing and,
  thanks to the inbox, applies nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import Column, Integer, MetaData, String, Table, Uuid, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from pingan_common.bus.consumer import ConsumerDeps, ConsumerRunner, HandlerContext
from pingan_common.bus.producer import EventProducer, OutgoingMessage
from pingan_common.bus.topic_reader import read_topic
from pingan_common.bus.topics_admin import ensure_topics
from pingan_common.db import create_engine, new_metadata, session_factory
from pingan_common.events import TicketRegistered
from pingan_common.events.topics import INTAKE_TICKETS, dead_letter_topic
from pingan_common.messaging_tables import MessagingTables
from pingan_common.outbox import Outbox
from pingan_common.settings import KafkaSettings
from pingan_common.testing.events import ticket_registered
from pingan_common.testing.infra import fresh_database
from pingan_common.testing.services import eventually

GROUP = "runner-test"
DLQ = dead_letter_topic(INTAKE_TICKETS, GROUP)


def message(event: TicketRegistered) -> OutgoingMessage:
    return OutgoingMessage(
        topic=INTAKE_TICKETS, key=event.subject, value=event.to_json_bytes(), event_type=event.type
    )


def raw(value: bytes, key: str = "raw") -> OutgoingMessage:
    return OutgoingMessage(topic=INTAKE_TICKETS, key=key, value=value, event_type="raw")


@dataclass
class World:
    engine: AsyncEngine
    tables: MessagingTables
    effects: Table
    kafka: KafkaSettings
    producer: EventProducer
    runners: list[ConsumerRunner] = field(default_factory=list)

    def runner(
        self,
        handler: Callable[[Any, HandlerContext], Awaitable[None]],
        producer: EventProducer | None = None,
    ) -> ConsumerRunner:
        runner = ConsumerRunner(
            service="runner-test",
            group=GROUP,
            handlers={TicketRegistered: [handler]},
            deps=ConsumerDeps(
                session_factory(self.engine),
                self.tables.inbox,
                Outbox(self.tables.outbox),
                producer or self.producer,
            ),
            settings=self.kafka,
        )
        self.runners.append(runner)
        return runner

    async def record_effect(self, ctx: HandlerContext, event: TicketRegistered) -> None:
        await ctx.session.execute(
            insert(self.effects).values(event_id=event.id, subject=event.subject)
        )

    async def effect_counts(self) -> Counter[str]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(self.effects.c.subject))
            return Counter(row.subject for row in rows)

    async def inbox_count(self) -> int:
        async with self.engine.connect() as conn:
            return await conn.scalar(select(func.count()).select_from(self.tables.inbox))

    async def committed(self) -> int | None:
        """The group's committed offset on the (single) partition, read without joining."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.kafka.bootstrap_servers,
            group_id=self.kafka.group(GROUP),
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            return await consumer.committed(TopicPartition(self.kafka.topic(INTAKE_TICKETS), 0))
        finally:
            await consumer.stop()


@pytest.fixture
async def world(stack) -> AsyncIterator[World]:  # type: ignore[no-untyped-def]
    url = await fresh_database(stack.postgres, f"{stack.name}_runner")
    engine = create_engine(url, pool_size=4)
    metadata: MetaData = new_metadata()
    tables = MessagingTables.define(metadata)
    # No unique constraint on purpose: a double application shows up as two rows.
    effects = Table(
        "effects",
        metadata,
        Column("n", Integer, primary_key=True, autoincrement=True),
        Column("event_id", Uuid, nullable=False),
        Column("subject", String(100), nullable=False),
    )
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    # One partition keeps the offsets easy to reason about.
    kafka = stack.kafka_settings(
        partitions={INTAKE_TICKETS: 1}, handler_max_attempts=3, max_poll_records=100
    ).model_copy(update={"handler_backoff_ms": 50})
    await ensure_topics(kafka, [INTAKE_TICKETS, DLQ])
    producer = EventProducer(kafka, service="runner-test")
    await producer.start()
    world = World(engine, tables, effects, kafka, producer)
    try:
        yield world
    finally:
        for runner in world.runners:
            await _kill(runner)
        await producer.stop()
        await engine.dispose()


async def test_failing_handler_is_retried_with_backoff_then_dead_lettered(world: World) -> None:
    bad, good = ticket_registered(), ticket_registered()
    attempts: list[float] = []

    async def handler(event: TicketRegistered, ctx: HandlerContext) -> None:
        await world.record_effect(ctx, event)
        if event.id == bad.id:
            attempts.append(time.monotonic())
            raise RuntimeError(f"cannot route ticket {event.subject}")

    await world.runner(handler).start()
    await world.producer.send_all([message(bad), message(good)])

    await eventually(lambda: _has(world, good.subject))
    assert len(attempts) == world.kafka.handler_max_attempts == 3
    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
    # backoff 50 ms, then 100 ms (exponential)
    assert gaps[0] >= 0.045 and gaps[1] >= 0.095, gaps
    assert gaps[1] > gaps[0]

    [dead] = await _eventually_records(world.kafka, DLQ, 1)
    headers = {name: value.decode() for name, value in dead.headers}
    assert dead.value == bad.to_json_bytes()
    assert dead.key.decode() == bad.subject
    assert f"cannot route ticket {bad.subject}" in headers["dlq_error"]
    assert headers["dlq_error_type"] == "RuntimeError"
    assert headers["dlq_original_topic"] == world.kafka.topic(INTAKE_TICKETS)
    assert headers["dlq_original_partition"] == "0"
    assert headers["dlq_original_offset"] == "0"
    assert headers["dlq_attempts"] == "3"

    # Each attempt was one transaction: the failed ones left neither effect nor inbox claim.
    assert await world.effect_counts() == Counter({good.subject: 1})
    assert await world.inbox_count() == 1
    await eventually(lambda: _committed_is(world, 2))


async def test_a_handler_that_recovers_is_applied_once(world: World) -> None:
    event = ticket_registered()
    calls = 0

    async def handler(received: TicketRegistered, ctx: HandlerContext) -> None:
        nonlocal calls
        calls += 1
        await world.record_effect(ctx, received)
        if calls < 3:
            raise ConnectionError("database hiccup (simulated)")

    await world.runner(handler).start()
    await world.producer.send_all([message(event)])
    await eventually(lambda: _has(world, event.subject))
    await eventually(lambda: _committed_is(world, 1))
    assert calls == 3
    assert await world.effect_counts() == Counter({event.subject: 1})
    assert await read_topic(world.kafka, DLQ) == []


async def test_an_outage_longer_than_the_attempts_is_waited_out_not_dead_lettered(
    world: World,
) -> None:
    """PostgreSQL restarting (the chaos drill's pg-restart) failed events for about a second;
    with four quick attempts they were dead-lettered and their effects lost."""
    event, after = ticket_registered(), ticket_registered()
    refusals = 0

    async def handler(received: TicketRegistered, ctx: HandlerContext) -> None:
        nonlocal refusals
        if received.id == event.id and refusals < 2 * world.kafka.handler_max_attempts:
            refusals += 1
            try:
                raise ConnectionRefusedError(111, "Connect call failed (simulated restart)")
            except ConnectionRefusedError as cause:  # as SQLAlchemy wraps the driver's error
                raise RuntimeError("could not open a connection") from cause
        await world.record_effect(ctx, received)

    await world.runner(handler).start()
    await world.producer.send_all([message(event), message(after)])

    await eventually(lambda: _count_is(world, 2))
    assert refusals == 2 * world.kafka.handler_max_attempts
    assert await world.effect_counts() == Counter({event.subject: 1, after.subject: 1})
    assert await read_topic(world.kafka, DLQ) == []
    await eventually(lambda: _committed_is(world, 2))


async def test_unparseable_and_invalid_messages_go_to_the_dead_letter_topic(world: World) -> None:
    good = ticket_registered()
    invalid = json.loads(ticket_registered().to_json_bytes())
    invalid["data"]["ticket_id"] = "not-a-uuid"
    unknown = json.loads(ticket_registered().to_json_bytes())
    unknown["type"] = "pingan.intake.ticket.teleported.v9"

    seen: list[str] = []

    async def handler(event: TicketRegistered, ctx: HandlerContext) -> None:
        seen.append(event.subject)
        await world.record_effect(ctx, event)

    await world.runner(handler).start()
    await world.producer.send_all(
        [
            raw(b"\xff not json at all", key="garbage"),
            raw(json.dumps(invalid).encode(), key="invalid"),
            # a newer producer's event type this build does not know: skipped, not dead-lettered
            raw(json.dumps(unknown).encode(), key="unknown"),
            message(good),
        ]
    )
    await eventually(lambda: _has(world, good.subject))
    dead = await _eventually_records(world.kafka, DLQ, 2)
    by_key = {record.key.decode(): dict(record.headers) for record in dead}
    assert set(by_key) == {"garbage", "invalid"}
    assert by_key["garbage"]["dlq_original_offset"] == b"0"
    assert by_key["invalid"]["dlq_original_offset"] == b"1"
    assert by_key["invalid"]["dlq_error_type"] == b"ValidationError"
    assert b"ticket_id" in by_key["invalid"]["dlq_error"]
    for headers in by_key.values():
        assert headers["dlq_attempts"] == b"1"  # retrying cannot fix a message
    assert seen == [good.subject]
    await eventually(lambda: _committed_is(world, 4))


async def test_a_message_without_a_value_does_not_cost_the_rest_of_the_batch(
    world: World,
) -> None:
    """A tombstone (null value) is not JSON at all: it is dead-lettered like any garbage, and
    the events fetched in the same batch behind it are applied, not skipped."""
    events = [ticket_registered() for _ in range(3)]

    async def handler(event: TicketRegistered, ctx: HandlerContext) -> None:
        await world.record_effect(ctx, event)

    await world.producer.send_all([message(events[0])])
    await world.producer.kafka.send_and_wait(
        world.kafka.topic(INTAKE_TICKETS), value=None, key=b"tombstone"
    )
    await world.producer.send_all([message(event) for event in events[1:]])
    await world.runner(handler).start()

    await eventually(lambda: _committed_is(world, 4))
    assert await world.effect_counts() == Counter({e.subject: 1 for e in events})
    [dead] = await _eventually_records(world.kafka, DLQ, 1)
    assert dead.key == b"tombstone"
    assert dict(dead.headers)["dlq_original_offset"] == b"1"


class FailsOnce(EventProducer):
    """Dead-letter publication fails once with an error that is not a KafkaError."""

    def __init__(self, settings: KafkaSettings) -> None:
        super().__init__(settings, service="runner-test")
        self.failed = False

    async def send_all(self, messages: Sequence[OutgoingMessage]) -> None:
        if not self.failed:
            self.failed = True
            raise RuntimeError("unexpected producer failure (simulated)")
        await super().send_all(messages)


async def test_an_unexpected_error_in_the_loop_skips_no_event(world: World) -> None:
    """Whatever escapes the per-message handling, the events fetched behind it are not skipped:
    the runner goes back to the committed offsets and processes them again."""
    events = [ticket_registered() for _ in range(3)]

    async def handler(event: TicketRegistered, ctx: HandlerContext) -> None:
        await world.record_effect(ctx, event)

    producer = FailsOnce(world.kafka)
    await producer.start()
    try:
        await world.producer.send_all(
            [message(events[0]), raw(b"garbage", key="garbage"), *map(message, events[1:])]
        )
        await world.runner(handler, producer).start()
        await eventually(lambda: _committed_is(world, 4))
    finally:
        await _kill(world.runners[-1])
        await producer.stop()
    assert producer.failed
    assert await world.effect_counts() == Counter({e.subject: 1 for e in events})
    assert [r.key for r in await read_topic(world.kafka, DLQ)] == [b"garbage"]


async def test_offsets_are_committed_after_the_effect_so_a_crash_loses_nothing(
    world: World,
) -> None:
    """Kill the runner while it applies the 4th of 8 events (no clean shutdown, no commit).
    A new runner in the same group resumes from the last committed offset: the events already
    applied are redelivered and skipped by the inbox, the interrupted one is applied."""
    events = [ticket_registered() for _ in range(8)]
    victim = events[3]
    in_victim = asyncio.Event()

    async def hanging_handler(event: TicketRegistered, ctx: HandlerContext) -> None:
        await world.record_effect(ctx, event)
        if event.id == victim.id:
            in_victim.set()
            await asyncio.sleep(3600)  # the process "dies" here

    await world.producer.send_all([message(event) for event in events])
    first = world.runner(hanging_handler)
    await first.start()
    await asyncio.wait_for(in_victim.wait(), 20)
    # The fetched events are applied as one batch transaction, so none of it may have
    # committed yet; whatever has committed is a prefix, and no offset is ahead of it.
    applied_before_crash = await world.effect_counts()
    assert set(applied_before_crash) <= {e.subject for e in events[:3]}
    assert all(count == 1 for count in applied_before_crash.values())
    committed_at_crash = await world.committed()
    assert committed_at_crash is None or committed_at_crash <= len(applied_before_crash), (
        "an offset was committed for an event whose effect has not committed"
    )

    # The crash: the task dies mid-transaction and the client goes without committing.
    await _kill(first)

    async def handler(event: TicketRegistered, ctx: HandlerContext) -> None:
        await world.record_effect(ctx, event)

    await world.runner(handler).start()
    await eventually(lambda: _count_is(world, len(events)))
    await eventually(lambda: _committed_is(world, len(events)))
    assert await world.effect_counts() == Counter({e.subject: 1 for e in events})
    assert await world.inbox_count() == len(events)
    assert await read_topic(world.kafka, DLQ) == []


async def _kill(runner: ConsumerRunner) -> None:
    """Stop a runner the hard way: cancel its loop wherever it is, close the client without
    committing anything (a crashed process commits nothing either)."""
    if runner._task is not None:
        runner._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await runner._task
        runner._task = None
    if runner._consumer is not None:
        await runner._consumer.stop()
        runner._consumer = None


async def _has(world: World, subject: str) -> bool:
    return (await world.effect_counts())[subject] >= 1


async def _count_is(world: World, n: int) -> bool:
    return (await world.effect_counts()).total() >= n


async def _committed_is(world: World, offset: int) -> bool:
    return await world.committed() == offset


async def _eventually_records(kafka: KafkaSettings, topic: str, n: int) -> list[Any]:
    async def probe() -> list[Any] | None:
        records = await read_topic(kafka, topic)
        assert len(records) <= n, f"{len(records)} messages on {topic}, expected {n}"
        return records if len(records) == n else None

    return await eventually(probe)


class _ContextAtEmit(logging.Handler):
    """Records the structlog context each dead-letter log line is written with."""

    def __init__(self) -> None:
        super().__init__()
        self.contexts: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("dead-lettering"):
            self.contexts.append(dict(structlog.contextvars.get_contextvars()))


async def test_a_dead_letter_log_line_carries_the_poison_messages_context_not_the_last_events(
    world: World,
) -> None:
    good = ticket_registered()

    async def handler(event: TicketRegistered, ctx: HandlerContext) -> None:
        await world.record_effect(ctx, event)

    capture = _ContextAtEmit()
    logger = logging.getLogger("pingan.consumer")
    logger.addHandler(capture)
    try:
        await world.runner(handler).start()
        await world.producer.send_all([message(good)])
        await eventually(lambda: _has(world, good.subject))
        await world.producer.send_all([raw(b"\xff not json at all", key="garbage")])
        await _eventually_records(world.kafka, DLQ, 1)
    finally:
        logger.removeHandler(capture)

    (context,) = capture.contexts
    assert context.get("event_id") is None
    assert context.get("correlation_id") is None
