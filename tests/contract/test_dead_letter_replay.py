"""An operator lists a consumer group's dead letters and replays them once the cause is fixed."""

from __future__ import annotations

import asyncpg
from aiokafka import AIOKafkaProducer

import pingan_dispatch.bootstrap as dispatch
from pingan_common.dlq import read_dead_letters, replay
from pingan_common.testing.events import ticket_registered
from pingan_common.testing.services import TestStack, eventually, running_service
from pingan_dispatch.handlers import HANDLERS
from pingan_dispatch.settings import DispatchSettings

TOPIC = "intake.tickets.v1"


async def test_dead_letters_are_listed_and_a_replay_is_applied_once(stack: TestStack, monkeypatch):
    settings = await stack.settings(DispatchSettings, "dispatch")
    kafka = settings.kafka
    failing = ticket_registered()
    registry = dict(HANDLERS)
    handler = registry[type(failing)][0]

    async def broken_until_fixed(event, ctx):  # type: ignore[no-untyped-def]
        if event.id == failing.id and not fixed:
            raise RuntimeError("routing table unavailable")
        await handler(event, ctx)

    fixed = False
    monkeypatch.setitem(dispatch.DEFINITION.handlers, type(failing), [broken_until_fixed])
    database = settings.database_url.replace("postgresql+asyncpg", "postgresql")

    async with running_service(dispatch, settings):
        producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
        await producer.start()
        try:
            await producer.send_and_wait(kafka.topic(TOPIC), b"{not json", key=b"x")
            await producer.send_and_wait(
                kafka.topic(TOPIC), failing.to_json_bytes(), key=failing.subject.encode()
            )
        finally:
            await producer.stop()

        async def two_letters():  # type: ignore[no-untyped-def]
            letters = await read_dead_letters(kafka, TOPIC, "dispatch")
            return letters if len(letters) == 2 else None

        letters = await eventually(two_letters)
        summaries = [letter.summary() for letter in letters]
        assert {s["error_type"] for s in summaries} == {"JSONDecodeError", "RuntimeError"}
        assert all(s["original"].startswith(kafka.topic(TOPIC)) for s in summaries)

        fixed = True
        replayable = [letter for letter in letters if letter.event_id == str(failing.id)]
        assert await replay(kafka, replayable) == 1
        assert await replay(kafka, replayable) == 1  # an operator's double click

        async def tasks_for_failing():  # type: ignore[no-untyped-def]
            connection = await asyncpg.connect(database)
            try:
                return await connection.fetchval(
                    "select count(*) from tasks where ticket_id = $1", failing.data.ticket_id
                )
            finally:
                await connection.close()

        assert await eventually(tasks_for_failing) == 1
        assert await tasks_for_failing() == 1
