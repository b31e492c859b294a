"""A crash between commit and publish loses nothing: the outbox rows wait for the next relay.

The registrations commit with their outbox rows while no relay runs (disabled, or the process is
killed with -9 before it publishes); nothing reaches the topic. The next start's relay publishes
every row exactly once and marks it sent.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import httpx
import pytest

import pingan_intake.bootstrap as intake
from pingan_common.bus.topic_reader import read_topic
from pingan_common.events.topics import INTAKE_TICKETS
from pingan_common.settings import OutboxSettings
from pingan_common.testing.services import TestStack, eventually, running_service
from pingan_intake.settings import IntakeSettings
from tests.guarantees.conftest import (
    STREET_LIGHT,
    TICKET_REGISTERED,
    rows,
    sql,
)

pytestmark = pytest.mark.guarantee
N = 12


def _relay(enabled: bool) -> OutboxSettings:
    return OutboxSettings(enabled=enabled, poll_interval_ms=100, retry_backoff_ms=100)


async def _unsent(settings: IntakeSettings) -> int:
    return await sql(settings, "select count(*) from outbox where sent_at is null")


async def _assert_published_exactly_once(settings: IntakeSettings, tickets: list[str]) -> None:
    """Every registration's event is on the topic once, and its outbox row is marked sent."""
    assert await _unsent(settings) == 0
    outbox_ids = [str(r["event_id"]) for r in await rows(settings, "select event_id from outbox")]
    records = await read_topic(settings.kafka, INTAKE_TICKETS)
    envelopes = [json.loads(record.value) for record in records]
    assert len(envelopes) == len(tickets), f"{len(envelopes)} messages for {len(tickets)} tickets"
    assert Counter(e["id"] for e in envelopes) == Counter(outbox_ids)
    assert {e["data"]["ticket_id"] for e in envelopes} == set(tickets)
    assert {e["type"] for e in envelopes} == {TICKET_REGISTERED}


async def test_rows_committed_without_a_relay_are_published_once_by_the_next_start(
    stack: TestStack,
) -> None:
    settings = await stack.settings(
        IntakeSettings, "intake", outbox=_relay(False), consumers_enabled=False
    )
    tickets = []
    async with running_service(intake, settings) as service:
        for _ in range(N):
            response = await service.client.post(
                "/v1/tickets", json=STREET_LIGHT, headers=stack.auth.headers("operator")
            )
            assert response.status_code == 201, response.text
            tickets.append(response.json()["id"])
    # "Crashed" before publishing: the rows are there, unsent, and the topic is empty.
    assert await _unsent(settings) == N
    assert await read_topic(settings.kafka, INTAKE_TICKETS) == []

    restarted = settings.model_copy(update={"outbox": _relay(True)})
    async with running_service(intake, restarted):
        await eventually(lambda: _is(_unsent(settings), 0))
    await _assert_published_exactly_once(settings, tickets)


async def test_a_process_killed_before_publishing_loses_nothing(
    stack: TestStack, processes
) -> None:  # type: ignore[no-untyped-def]
    """The true crash: intake runs as its own process, commits registrations, and is killed
    with -9 before any relay publishes them (its relay is off, standing in for a broker it
    cannot reach). A new process with its relay on publishes each row once."""
    settings = await stack.settings(IntakeSettings, "intake", consumers_enabled=False)
    crashed = processes("intake", settings, PINGAN_OUTBOX_ENABLED="false")
    await crashed.ready()
    tickets = []
    async with httpx.AsyncClient(base_url=crashed.base_url, timeout=10) as client:
        for _ in range(N):
            response = await client.post(
                "/v1/tickets", json=STREET_LIGHT, headers=stack.auth.headers("operator")
            )
            assert response.status_code == 201, response.text
            tickets.append(response.json()["id"])
    crashed.kill9()
    assert await _unsent(settings) == N
    assert await read_topic(settings.kafka, INTAKE_TICKETS) == []

    restarted = processes("intake", settings)
    await restarted.ready()
    await eventually(lambda: _is(_unsent(settings), 0))
    restarted.terminate()
    await _assert_published_exactly_once(settings, tickets)


async def _is(value: Any, expected: Any) -> bool:
    return await value == expected
