"""A consumer killed with -9 mid-stream loses nothing and applies nothing twice.

Dispatch runs as its own process and works through 300 TicketRegistered events; it is killed
while only part of them is applied, with offsets committed for fewer still. A new process
resumes from the committed offsets: it redelivers what the dead one applied without committing,
the inbox turns those into no-ops, and in the end every ticket has exactly one task.
"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from pingan_common.bus.topic_reader import read_topic
from pingan_common.bus.topics_admin import ensure_topics
from pingan_common.events.topics import DISPATCH_TASKS, INTAKE_TICKETS, dead_letter_topic
from pingan_common.testing.events import ticket_registered
from pingan_common.testing.services import TestStack, eventually
from pingan_dispatch.settings import DispatchSettings
from tests.guarantees.conftest import (
    TASK_CREATED,
    as_message,
    committed_total,
    plain_url,
    produce,
    sql,
)

pytestmark = pytest.mark.guarantee
N = 300
DLQ = dead_letter_topic(INTAKE_TICKETS, "dispatch")


async def test_dispatch_killed_mid_stream_ends_with_exactly_one_task_per_ticket(
    stack: TestStack, processes
) -> None:  # type: ignore[no-untyped-def]
    settings = await stack.settings(DispatchSettings, "dispatch")
    await ensure_topics(settings.kafka, [INTAKE_TICKETS, DISPATCH_TASKS, DLQ])
    events = [ticket_registered() for _ in range(N)]
    await produce(settings.kafka, [as_message(event) for event in events])

    first = processes("dispatch", settings)
    conn = await asyncpg.connect(plain_url(settings))
    try:
        await first.ready()
        # migrations ran before /readyz answered: the table is there
        async with asyncio.timeout(30):
            while True:
                if await conn.fetchval("select count(*) from tasks") >= N // 3:
                    break
                await asyncio.sleep(0.002)
        first.kill9()
        applied_at_kill = await conn.fetchval("select count(*) from tasks")
    finally:
        await conn.close()
    committed_at_kill = await committed_total(settings.kafka, "dispatch", INTAKE_TICKETS)
    assert 0 < applied_at_kill < N, f"the kill came too late ({applied_at_kill} of {N} applied)"
    assert committed_at_kill <= applied_at_kill, "offsets committed ahead of the effects"

    second = processes("dispatch", settings)
    await second.ready()
    await eventually(lambda: _count(settings, "select count(*) from tasks", N), within=40)
    await eventually(
        lambda: _committed(settings, N),
        within=20,
    )

    assert await sql(settings, "select count(*) from tasks") == N
    assert await sql(settings, "select count(distinct ticket_id) from tasks") == N
    assert await sql(settings, "select count(*) from inbox") == N
    created = await sql(settings, "select count(*) from outbox where event_type = $1", TASK_CREATED)
    assert created == N
    assert await read_topic(settings.kafka, DLQ) == []
    # What the dead process applied but had not committed came again and was recognised.
    duplicates = await second.metric("pingan_events_consumed_total", outcome="duplicate")
    assert duplicates == applied_at_kill - committed_at_kill
    second.terminate()


async def _count(settings: DispatchSettings, query: str, n: int) -> bool:
    return await sql(settings, query) >= n


async def _committed(settings: DispatchSettings, n: int) -> bool:
    return await committed_total(settings.kafka, "dispatch", INTAKE_TICKETS) >= n
