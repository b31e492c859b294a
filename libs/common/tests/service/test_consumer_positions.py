"""A consumer whose position lies past the end of the log reads it again from the start.

That is what a broker that lost its data leaves behind (Tansu on memory storage, restarted): the
group's committed offsets point into the old, longer log, fetches there return nothing, and the
events republished into the new log sit below them. Here the loss is made on the real broker by
committing the group far past the end of a one-partition topic while the runner is stopped; the
runner must then apply the events that follow exactly once, and nothing applied before again.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import MetaData

from pingan_common.bus.consumer import ConsumerDeps, ConsumerRunner, HandlerContext
from pingan_common.bus.producer import EventProducer, OutgoingMessage
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

GROUP = "positions-test"
PAST_THE_END = 10_000


@dataclass
class World:
    kafka: KafkaSettings
    producer: EventProducer
    make_runner: object
    applied: Counter[str]

    async def send(self) -> str:
        event = ticket_registered()
        message = OutgoingMessage(
            topic=INTAKE_TICKETS,
            key=event.subject,
            value=event.to_json_bytes(),
            event_type=event.type,
        )
        await self.producer.send_all([message])
        return event.subject


@pytest.fixture
async def world(stack) -> AsyncIterator[World]:  # type: ignore[no-untyped-def]
    url = await fresh_database(stack.postgres, f"{stack.name}_positions")
    engine = create_engine(url, pool_size=2)
    metadata: MetaData = new_metadata()
    tables = MessagingTables.define(metadata)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    kafka = stack.kafka_settings(partitions={INTAKE_TICKETS: 1}, position_check_interval_s=0.5)
    await ensure_topics(kafka, [INTAKE_TICKETS, dead_letter_topic(INTAKE_TICKETS, GROUP)])
    producer = EventProducer(kafka, service="positions-test")
    await producer.start()
    applied: Counter[str] = Counter()

    async def record(event: TicketRegistered, _ctx: HandlerContext) -> None:
        applied[event.subject] += 1

    def make_runner(settings: KafkaSettings = kafka) -> ConsumerRunner:
        return ConsumerRunner(
            service="positions-test",
            group=GROUP,
            handlers={TicketRegistered: [record]},
            deps=ConsumerDeps(
                session_factory(engine), tables.inbox, Outbox(tables.outbox), producer
            ),
            settings=settings,
        )

    try:
        yield World(kafka, producer, make_runner, applied)
    finally:
        await producer.stop()
        await engine.dispose()


async def _commit_past_the_end(kafka: KafkaSettings) -> None:
    """What the lost broker leaves: the group's committed offset far beyond the log's end."""
    partition = TopicPartition(kafka.topic(INTAKE_TICKETS), 0)
    consumer = AIOKafkaConsumer(
        partition.topic,
        **kafka.connection(),
        group_id=kafka.group(GROUP),
        enable_auto_commit=False,
        session_timeout_ms=kafka.session_timeout_ms,
        heartbeat_interval_ms=kafka.heartbeat_interval_ms,
    )
    await consumer.start()
    try:
        while partition not in consumer.assignment():  # a member of the group, as the runner is
            await consumer.getmany(timeout_ms=200)
        await consumer.commit({partition: PAST_THE_END})
        assert await consumer.committed(partition) == PAST_THE_END
    finally:
        await consumer.stop()


async def _applied(world: World, *subjects: str) -> None:
    async def all_applied() -> bool | None:
        return all(world.applied[s] for s in subjects) or None

    await eventually(all_applied, within=20)


async def test_a_position_past_the_logs_end_goes_back_to_its_start(world: World) -> None:
    runner = world.make_runner()  # type: ignore[operator]
    await runner.start()
    before = await world.send()
    await _applied(world, before)
    await runner.stop()

    await _commit_past_the_end(world.kafka)
    runner = world.make_runner()  # type: ignore[operator]
    await runner.start()
    try:
        after = [await world.send() for _ in range(3)]
        await _applied(world, *after)
    finally:
        await runner.stop()

    assert world.applied[before] == 1  # read again from the start, claimed in the inbox
    assert [world.applied[s] for s in after] == [1, 1, 1]


async def test_a_caught_up_consumer_is_not_rewound(world: World) -> None:
    """Several events in one batch, all applied: the position equals the log's end and stays
    there through several checks (Tansu's ListOffsets answers less than the end after a batch;
    the check must not take that for a lost log)."""
    runner = world.make_runner()  # type: ignore[operator]
    await runner.start()
    try:
        batch = [ticket_registered() for _ in range(5)]
        await world.producer.send_all(
            [
                OutgoingMessage(
                    topic=INTAKE_TICKETS,
                    key=e.subject,
                    value=e.to_json_bytes(),
                    event_type=e.type,
                )
                for e in batch
            ]
        )
        await _applied(world, *(e.subject for e in batch))
        rewinds = []
        for _ in range(4):
            await asyncio.sleep(0.6)  # past the 0.5 s check interval each time
            rewinds += await runner._rewind_positions_past_the_end()
    finally:
        await runner.stop()
    assert rewinds == []
    assert all(world.applied[e.subject] == 1 for e in batch)


async def test_without_the_check_such_a_consumer_would_skip_what_follows(world: World) -> None:
    """The same loss with the check turned off: the events below the old offset are never
    applied. This is what the check is for, shown on the same broker."""
    unchecked = world.kafka.model_copy(update={"position_check_interval_s": 0})
    await _commit_past_the_end(world.kafka)
    runner = world.make_runner(unchecked)  # type: ignore[operator]
    await runner.start()
    try:
        sent = await world.send()
        await asyncio.sleep(3)  # six times the checked runner's interval
    finally:
        await runner.stop()
    assert world.applied[sent] == 0
