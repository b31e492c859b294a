"""Republish from a point in time: the events go out again and the consumers apply them once.

After a broker lost data an operator calls ``POST /v1/admin/outbox/republish`` with ``since``;
intake's relay publishes every retained row created since then again, and dispatch, which had
applied them already, recognises each one in its inbox: no second task, no second task.created.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

import pingan_dispatch.bootstrap as dispatch
import pingan_intake.bootstrap as intake
from pingan_common.bus.topic_reader import read_topic
from pingan_common.events.topics import INTAKE_TICKETS, dead_letter_topic
from pingan_common.testing.services import TestStack, eventually, running_service
from pingan_dispatch.settings import DispatchSettings
from pingan_intake.settings import IntakeSettings
from tests.guarantees.conftest import (
    STREET_LIGHT,
    TASK_CREATED,
    committed_total,
    sql,
)

pytestmark = pytest.mark.guarantee
N = 5


async def test_republished_events_are_published_again_and_applied_once(stack: TestStack) -> None:
    intake_settings = await stack.settings(IntakeSettings, "intake")
    dispatch_settings = await stack.settings(DispatchSettings, "dispatch")
    operator = stack.auth.headers("operator")

    async def tasks(n: int) -> bool:
        return await sql(dispatch_settings, "select count(*) from tasks") >= n

    async def dispatch_consumed(n: int) -> bool:
        consumed = await committed_total(dispatch_settings.kafka, "dispatch", INTAKE_TICKETS)
        return consumed >= n

    async def register() -> str:
        response = await intake_service.client.post(
            "/v1/tickets", json=STREET_LIGHT, headers=operator
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    async with (
        running_service(intake, intake_settings) as intake_service,
        running_service(dispatch, dispatch_settings),
    ):
        older = await register()
        await eventually(lambda: tasks(1))
        since = await sql(intake_settings, "select now()")
        newer = [await register() for _ in range(N)]
        await eventually(lambda: tasks(1 + N))
        await eventually(lambda: dispatch_consumed(1 + N))

        response = await intake_service.client.post(
            "/v1/admin/outbox/republish",
            json={"since": since.isoformat()},
            headers=stack.auth.headers("admin"),
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"rows": N}
        await eventually(lambda: dispatch_consumed(1 + 2 * N))

    published = Counter(
        json.loads(record.value)["data"]["ticket_id"]
        for record in await read_topic(intake_settings.kafka, INTAKE_TICKETS)
    )
    assert published == Counter({older: 1, **{ticket: 2 for ticket in newer}})
    assert await sql(intake_settings, "select count(*) from outbox where sent_at is null") == 0

    assert await sql(dispatch_settings, "select count(*) from tasks") == 1 + N
    assert await sql(dispatch_settings, "select count(distinct ticket_id) from tasks") == 1 + N
    created = await sql(
        dispatch_settings, "select count(*) from outbox where event_type = $1", TASK_CREATED
    )
    assert created == 1 + N
    dead = await read_topic(dispatch_settings.kafka, dead_letter_topic(INTAKE_TICKETS, "dispatch"))
    assert dead == []
