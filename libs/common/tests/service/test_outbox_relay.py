"""The outbox relay on a real PostgreSQL and the real broker, without any service around it.

- rows are published in id order, so each aggregate's events keep their order across batches;
- two relays on one database (two replicas) never publish a row twice nor reorder an aggregate;
- a failing broker only delays publication: the rows stay unsent and go out once it answers.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import pytest
from aiokafka.errors import KafkaConnectionError
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from pingan_common.bus.producer import EventProducer, OutgoingMessage
from pingan_common.bus.topic_reader import read_topic
from pingan_common.bus.topics_admin import ensure_topics
from pingan_common.db import create_engine, new_metadata, session_factory
from pingan_common.events.envelope import EventEnvelope
from pingan_common.messaging_tables import MessagingTables
from pingan_common.outbox import Outbox, OutboxRelay
from pingan_common.settings import KafkaSettings, OutboxSettings
from pingan_common.testing.infra import fresh_database
from pingan_common.testing.services import eventually

TOPIC = "test.relay.v1"
AGGREGATES = ("agg-a", "agg-b", "agg-c")


class ProbeData(BaseModel):
    aggregate: str
    seq: int


class Probe(EventEnvelope):
    """A test event: ``data`` carries the aggregate's sequence number."""

    topic: ClassVar[str] = TOPIC
    type: Literal["pingan.test.probe.recorded.v1"] = "pingan.test.probe.recorded.v1"
    data: ProbeData


@dataclass
class RelayWorld:
    url: str
    engine: AsyncEngine
    tables: MessagingTables
    kafka: KafkaSettings

    async def add_rows(self, outbox: Outbox, per_aggregate: int, per_transaction: int) -> int:
        """Interleave the aggregates' events over several transactions; returns the row count."""
        sessions = session_factory(self.engine)
        events = [
            Probe.create(ProbeData(aggregate=agg, seq=seq), subject=agg, correlationid=agg)
            for seq in range(per_aggregate)
            for agg in AGGREGATES
        ]
        for start in range(0, len(events), per_transaction):
            async with sessions.begin() as session:
                for event in events[start : start + per_transaction]:
                    await outbox.add(session, event)
        return len(events)

    async def unsent(self) -> int:
        async with self.engine.connect() as conn:
            return await conn.scalar(
                select(func.count())
                .select_from(self.tables.outbox)
                .where(self.tables.outbox.c.sent_at.is_(None))
            )

    async def producer(self) -> EventProducer:
        producer = EventProducer(self.kafka, service="relay-test")
        await producer.start()
        return producer


@pytest.fixture
async def world(stack) -> AsyncIterator[RelayWorld]:  # type: ignore[no-untyped-def]
    url = await fresh_database(stack.postgres, f"{stack.name}_relay")
    engine = create_engine(url, pool_size=4)
    metadata = new_metadata()
    tables = MessagingTables.define(metadata)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    kafka = stack.kafka_settings()
    await ensure_topics(kafka, [TOPIC])
    try:
        yield RelayWorld(url=url, engine=engine, tables=tables, kafka=kafka)
    finally:
        await engine.dispose()


def _settings(**overrides: Any) -> OutboxSettings:
    values: dict[str, Any] = {"batch_size": 100, "poll_interval_ms": 20, "retry_backoff_ms": 50}
    values.update(overrides)
    return OutboxSettings(**values)


def assert_each_aggregate_in_order(records: Sequence[Any], per_aggregate: int) -> None:
    by_key: dict[str, list[int]] = defaultdict(list)
    ids = []
    for record in records:
        envelope = json.loads(record.value)
        ids.append(envelope["id"])
        assert record.key.decode() == envelope["subject"]
        by_key[envelope["subject"]].append(envelope["data"]["seq"])
    assert len(ids) == len(set(ids)), f"{len(ids) - len(set(ids))} rows published twice"
    for aggregate in AGGREGATES:
        assert by_key[aggregate] == list(range(per_aggregate)), f"{aggregate} out of order"


async def test_rows_are_published_once_and_in_order_per_aggregate_across_batches(world) -> None:  # type: ignore[no-untyped-def]
    outbox = Outbox(world.tables.outbox)
    total = await world.add_rows(outbox, per_aggregate=400, per_transaction=150)
    assert total == 1200
    producer = await world.producer()
    relay = OutboxRelay(
        engine=world.engine,
        outbox=outbox,
        producer=producer,
        settings=_settings(batch_size=100),
        service="relay-test",
    )
    relay.start()
    try:
        await eventually(lambda: _is_zero(world.unsent()))
    finally:
        await relay.stop()
        await producer.stop()

    records = await read_topic(world.kafka, TOPIC)
    assert len(records) == 1200
    assert_each_aggregate_in_order(records, per_aggregate=400)
    headers = dict(records[0].headers)
    assert headers["ce_type"] == b"pingan.test.probe.recorded.v1"


async def test_two_relays_on_one_database_never_publish_a_row_twice(world) -> None:  # type: ignore[no-untyped-def]
    """Two replicas of a service race for the same outbox; the advisory lock lets one work at a
    time, so every row goes out once and each aggregate stays in order."""
    total = await world.add_rows(
        Outbox(world.tables.outbox), per_aggregate=400, per_transaction=300
    )
    relays, producers, engines = [], [], []
    for _ in range(2):
        engine = create_engine(world.url, pool_size=2)
        producer = await world.producer()
        relay = OutboxRelay(
            engine=engine,
            outbox=Outbox(world.tables.outbox),
            producer=producer,
            settings=_settings(batch_size=50, poll_interval_ms=5),
            service="relay-test",
        )
        engines.append(engine)
        producers.append(producer)
        relays.append(relay)
    for relay in relays:
        relay.start()
    try:
        await eventually(lambda: _is_zero(world.unsent()))
        # Both had their chance at every batch: let them poll a few more times.
        await asyncio.sleep(0.2)
    finally:
        for relay, producer, engine in zip(relays, producers, engines, strict=True):
            await relay.stop()
            await producer.stop()
            await engine.dispose()

    records = await read_topic(world.kafka, TOPIC)
    assert len(records) == total
    assert_each_aggregate_in_order(records, per_aggregate=400)


class FlakyProducer(EventProducer):
    """The real producer, but the broker 'is down' for the first ``failures`` batches."""

    def __init__(self, settings: KafkaSettings, failures: int) -> None:
        super().__init__(settings, service="relay-test")
        self.failures = failures
        self.calls = 0

    async def send_all(self, messages: Sequence[OutgoingMessage]) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise KafkaConnectionError("broker unavailable (simulated)")
        await super().send_all(messages)


async def test_a_failing_broker_only_delays_publication(world) -> None:  # type: ignore[no-untyped-def]
    outbox = Outbox(world.tables.outbox)
    producer = FlakyProducer(world.kafka, failures=3)
    await producer.start()
    relay = OutboxRelay(
        engine=world.engine,
        outbox=outbox,
        producer=producer,
        settings=_settings(retry_backoff_ms=100),
        service="relay-test",
    )
    relay.start()
    try:
        total = await world.add_rows(outbox, per_aggregate=20, per_transaction=60)
        await eventually(lambda: _at_least(producer, 2))
        assert await world.unsent() == total, "a failed publication must leave the rows unsent"
        await eventually(lambda: _is_zero(world.unsent()))
    finally:
        await relay.stop()
        await producer.stop()
    assert producer.calls > 3
    records = await read_topic(world.kafka, TOPIC)
    assert len(records) == total
    assert_each_aggregate_in_order(records, per_aggregate=20)


async def test_stop_flushes_what_is_pending(world) -> None:  # type: ignore[no-untyped-def]
    """Graceful shutdown: rows committed just before stop are published, none left behind."""
    outbox = Outbox(world.tables.outbox)
    producer = await world.producer()
    relay = OutboxRelay(
        engine=world.engine,
        outbox=outbox,
        producer=producer,
        # polls rarely and is never nudged (another Outbox instance writes): only stop() flushes
        settings=_settings(poll_interval_ms=60_000, batch_size=10),
        service="relay-test",
    )
    relay.start()
    try:
        await asyncio.sleep(0.1)
        total = await world.add_rows(
            Outbox(world.tables.outbox), per_aggregate=15, per_transaction=45
        )
        assert await world.unsent() == total
    finally:
        await relay.stop()
        await producer.stop()
    assert await world.unsent() == 0
    assert len(await read_topic(world.kafka, TOPIC)) == total


async def _is_zero(count: Any) -> bool:
    return await count == 0


async def _at_least(producer: FlakyProducer, calls: int) -> bool:
    return producer.calls >= calls


async def test_an_idle_relay_polls_less_often_and_still_finds_rows_it_was_not_nudged_for(
    world,  # type: ignore[no-untyped-def]
) -> None:
    outbox = Outbox(world.tables.outbox)
    producer = await world.producer()
    relay = OutboxRelay(
        engine=world.engine,
        outbox=outbox,
        producer=producer,
        settings=_settings(poll_interval_ms=20, idle_poll_interval_ms=320),
        service="relay-test",
    )
    passes: list[float] = []
    publish_batch = relay._publish_batch

    async def counted() -> int | None:
        passes.append(asyncio.get_running_loop().time())
        return await publish_batch()

    relay._publish_batch = counted  # type: ignore[method-assign]
    relay.start()
    try:
        await asyncio.sleep(1.5)  # 20, 40, 80, 160 ms, then the 320 ms ceiling
        since = asyncio.get_running_loop().time()
        await asyncio.sleep(1.3)
        idle_passes = [at for at in passes if at >= since]
        # At the 20 ms floor this would be about 60 passes.
        assert 2 <= len(idle_passes) <= 6, len(idle_passes)
        # Rows committed elsewhere (another replica's outbox: no nudge here) go out on the
        # next fallback poll, within the idle interval.
        await world.add_rows(Outbox(world.tables.outbox), per_aggregate=1, per_transaction=3)

        async def all_sent() -> bool:
            return await world.unsent() == 0

        await eventually(all_sent, within=2, interval=0.02)
    finally:
        await relay.stop()
        await producer.stop()
