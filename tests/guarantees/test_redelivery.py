"""A redelivered event changes nothing: dispatch's inbox applies each event id once.

The broker delivers at least once (a consumer restart, a rebalance, a republish): the same
TicketRegistered (same event id) arriving again must neither open a second task nor publish a
second task.created, and it is not an error either (nothing is dead-lettered).
"""

from __future__ import annotations

import pytest

import pingan_dispatch.bootstrap as dispatch
from pingan_common.bus.topic_reader import read_topic
from pingan_common.events.topics import INTAKE_TICKETS, dead_letter_topic
from pingan_common.testing.events import ticket_registered
from pingan_common.testing.services import TestStack, eventually, running_service
from pingan_dispatch.settings import DispatchSettings
from tests.guarantees.conftest import (
    TASK_CREATED,
    as_message,
    committed_total,
    produce,
    sql,
)

pytestmark = pytest.mark.guarantee


async def test_the_same_ticket_event_twice_opens_one_task(stack: TestStack) -> None:
    settings = await stack.settings(DispatchSettings, "dispatch")
    event, sentinel = ticket_registered(), ticket_registered()
    ticket_id = event.data.ticket_id

    async def consumed(n: int) -> bool:
        return await committed_total(settings.kafka, "dispatch", INTAKE_TICKETS) >= n

    async with running_service(dispatch, settings):
        # back to back, as after a producer retry...
        await produce(settings.kafka, [as_message(event), as_message(event)])
        await eventually(lambda: consumed(2))
        # ...and once more later, after the first copy was applied and its offset committed
        await produce(settings.kafka, [as_message(event), as_message(sentinel)])
        await eventually(lambda: consumed(4))

    assert await sql(settings, "select count(*) from tasks where ticket_id = $1", ticket_id) == 1
    assert await sql(settings, "select count(*) from tasks") == 2
    task_created_for_ticket = await sql(
        settings,
        "select count(*) from outbox where event_type = $1 and payload->'data'->>'ticket_id' = $2",
        TASK_CREATED,
        str(ticket_id),
    )
    assert task_created_for_ticket == 1
    assert await sql(settings, "select count(*) from inbox where event_id = $1", event.id) == 1
    assert await read_topic(settings.kafka, dead_letter_topic(INTAKE_TICKETS, "dispatch")) == []
