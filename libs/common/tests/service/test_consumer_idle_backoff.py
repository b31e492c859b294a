"""An idle consumer backs off and snaps back, on a real PostgreSQL and the real broker.

While its topics are idle the runner's fetch wait grows to ``idle_fetch_max_wait_ms`` (the
broker then sees a few fetches a second instead of about eighty); the first event after the lull
is applied within about half that wait (Tansu re-reads a waiting fetch after half of what is
left); the wait is back at ``fetch_max_wait_ms`` from then on, so the events that follow it
arrive in milliseconds; and a stop during a long poll does not wait the poll out.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import MetaData

from pingan_common.bus.consumer import ConsumerDeps, ConsumerRunner, HandlerContext
from pingan_common.bus.producer import EventProducer, OutgoingMessage
from pingan_common.bus.topics_admin import ensure_topics
from pingan_common.db import create_engine, new_metadata, session_factory
from pingan_common.events import TicketRegistered
from pingan_common.events.topics import INTAKE_TICKETS, dead_letter_topic
from pingan_common.messaging_tables import MessagingTables
from pingan_common.outbox import Outbox
from pingan_common.testing.events import ticket_registered
from pingan_common.testing.infra import fresh_database
from pingan_common.testing.services import eventually

GROUP = "idle-test"
FLOOR_MS = 10
CEILING_MS = 1_000


@dataclass
class Idle:
    runner: ConsumerRunner
    producer: EventProducer
    applied: dict[str, float] = field(default_factory=dict)
    fetch_waits: list[tuple[float, int]] = field(default_factory=list)

    async def send(self) -> tuple[str, float]:
        event = ticket_registered()
        sent = time.perf_counter()
        await self.producer.send_all(
            [
                OutgoingMessage(
                    topic=INTAKE_TICKETS,
                    key=event.subject,
                    value=event.to_json_bytes(),
                    event_type=event.type,
                )
            ]
        )
        return event.subject, sent

    async def delay_of_next_event(self) -> float:
        subject, sent = await self.send()

        async def applied() -> float | None:
            return self.applied.get(subject)

        await eventually(applied, within=10, interval=0.002)
        return self.applied[subject] - sent

    def fetches_since(self, since: float) -> list[int]:
        return [wait for at, wait in self.fetch_waits if at >= since]


def _watch_fetches(runner: ConsumerRunner, into: list[tuple[float, int]]) -> None:
    """Record the wait of every fetch request the runner's consumer sends to the broker."""
    client = runner._consumer._client  # type: ignore[union-attr]
    send = client.send

    async def recording_send(node_id: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        if type(request).__name__ == "FetchRequest":
            into.append((time.perf_counter(), request._max_wait_ms))
        return await send(node_id, request, *args, **kwargs)

    client.send = recording_send


@pytest.fixture
async def idle(stack) -> AsyncIterator[Idle]:  # type: ignore[no-untyped-def]
    url = await fresh_database(stack.postgres, f"{stack.name}_idle")
    engine = create_engine(url, pool_size=2)
    metadata: MetaData = new_metadata()
    tables = MessagingTables.define(metadata)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    kafka = stack.kafka_settings(
        partitions={INTAKE_TICKETS: 1},
        fetch_max_wait_ms=FLOOR_MS,
        idle_fetch_max_wait_ms=CEILING_MS,
    )
    await ensure_topics(kafka, [INTAKE_TICKETS, dead_letter_topic(INTAKE_TICKETS, GROUP)])
    producer = EventProducer(kafka, service="idle-test")
    await producer.start()
    applied: dict[str, float] = {}

    async def record(event: TicketRegistered, _ctx: HandlerContext) -> None:
        applied[event.subject] = time.perf_counter()

    runner = ConsumerRunner(
        service="idle-test",
        group=GROUP,
        handlers={TicketRegistered: [record]},
        deps=ConsumerDeps(session_factory(engine), tables.inbox, Outbox(tables.outbox), producer),
        settings=kafka,
    )
    await runner.start()
    world = Idle(runner, producer, applied)
    _watch_fetches(runner, world.fetch_waits)
    try:
        # joined and consuming: the first event goes through
        await world.delay_of_next_event()
        yield world
    finally:
        await runner.stop()
        await producer.stop()
        await engine.dispose()


async def _until_backed_off(idle: Idle) -> None:
    async def at_ceiling() -> bool | None:
        return idle.runner.fetch_wait_ms == CEILING_MS or None

    await eventually(at_ceiling, within=10)


async def test_an_idle_consumer_backs_off_to_a_few_fetches_a_second(idle: Idle) -> None:
    await _until_backed_off(idle)
    await asyncio.sleep(1.5)  # the fetch in flight when the ceiling was reached ends
    since = time.perf_counter()
    await asyncio.sleep(3)
    waits = idle.fetches_since(since)
    # At the short wait Tansu answers about 80 fetches a second; backed off, one a second.
    assert 1 <= len(waits) <= 5, waits
    assert set(waits) == {CEILING_MS}


async def test_the_first_event_after_a_lull_is_prompt_and_the_next_ones_fast(idle: Idle) -> None:
    await _until_backed_off(idle)
    await asyncio.sleep(2)
    # Within half the ceiling (Tansu's re-read) plus the transaction, with room for a busy CI.
    first = await idle.delay_of_next_event()
    assert first < CEILING_MS / 1000 / 2 + 0.4, f"{first * 1000:.0f} ms after the lull"
    assert idle.runner.fetch_wait_ms == FLOOR_MS
    # Snapped back: the events that follow each arrive within tens of milliseconds.
    follow_ups = []
    for _ in range(8):
        await asyncio.sleep(0.05)
        follow_ups.append(await idle.delay_of_next_event())
    assert statistics.median(follow_ups) < 0.1, [round(s * 1000) for s in follow_ups]
    assert idle.runner.fetch_wait_ms == FLOOR_MS


async def test_a_stop_during_a_long_poll_does_not_wait_it_out(idle: Idle) -> None:
    await _until_backed_off(idle)
    started = time.perf_counter()
    await idle.runner.stop()
    assert not idle.runner.running
    # The poll alone could last a second; leaving the group takes a moment on its own.
    assert time.perf_counter() - started < 0.9
