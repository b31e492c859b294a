"""A task cancelled because its unit converted it into a mediation case reads, on the ticket's
timeline, 任务撤销（转调解） — on the real broker."""

from __future__ import annotations

import uuid

from pingan_common.events.dispatch import TaskCancelled
from pingan_common.testing.services import eventually
from pingan_intake.models import messaging
from services.intake.tests.service.task_events import task_created, task_event

INBOX = messaging.inbox


async def test_a_task_converted_into_a_case_shows_as_cancelled_for_mediation(api, broker):
    ticket = await api.register(api.lone_body())
    task_id = uuid.uuid4()
    created = task_created(ticket, task_id)
    cancelled = task_event(
        TaskCancelled, ticket, task_id, reason="to_mediation", comment="转调解：邻里纠纷"
    )

    for event in (created, cancelled):
        await broker.produce(event)
        await eventually(
            lambda event=event: _applied(api, event)  # type: ignore[misc]
        )

    response = await api.get(ticket["id"], role="leader")
    assert response.status_code == 200, response.text
    last = response.json()["timeline"][-1]
    assert last["step"] == "task_cancelled"
    assert last["summary"] == "任务撤销（转调解）"
    assert "to_mediation" not in last["summary"]


async def _applied(api, event) -> bool:  # type: ignore[no-untyped-def]
    return await api.count(INBOX, INBOX.c.event_id == event.id) == 1
