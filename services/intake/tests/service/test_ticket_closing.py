"""Dispatch's task events on the real broker: every one shows in the ticket's timeline, and the
ticket closes with its last task — with feedback to 110 for matters 110 transferred."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from pingan_common.events import EventEnvelope
from pingan_common.events.dispatch import (
    TaskAccepted,
    TaskCallbackRecorded,
    TaskCancelled,
    TaskDeadlineWarning,
    TaskEscalated,
    TaskExtensionDecided,
    TaskExtensionRequested,
    TaskFlagged,
    TaskOverdue,
    TaskReassigned,
    TaskReopened,
    TaskReplied,
    TaskReturned,
    TaskReviewed,
    TaskReviewRejected,
)
from pingan_common.testing.services import eventually
from pingan_intake.models import messaging
from services.intake.tests.service.task_events import (
    UNIT,
    closed,
    now,
    task_assigned,
    task_created,
    task_event,
)

OUTBOX = messaging.outbox
INBOX = messaging.inbox
POLICE_110_KEY = "pingan-110-key-0001"


async def _applied(api, event: EventEnvelope) -> bool:  # type: ignore[no-untyped-def]
    return await api.count(INBOX, INBOX.c.event_id == event.id) == 1


async def _send_all(api, broker, *events: EventEnvelope) -> None:  # type: ignore[no-untyped-def]
    for event in events:
        await broker.produce(event)
    for event in events:
        await eventually(lambda event=event: _applied(api, event))


async def _outbox(api, ticket_id: str, event_type: str) -> list[dict]:  # type: ignore[no-untyped-def]
    rows = await api.rows(
        select(OUTBOX.c.payload).where(
            OUTBOX.c.message_key == ticket_id,
            OUTBOX.c.event_type == f"pingan.intake.ticket.{event_type}.v1",
        )
    )
    return [row.payload for row in rows]


async def _view(api, ticket_id: str) -> dict:  # type: ignore[no-untyped-def]
    response = await api.get(ticket_id, role="leader")
    assert response.status_code == 200, response.text
    return response.json()


async def test_every_task_event_shows_in_the_timeline(api, broker):
    ticket = await api.register(api.lone_body())
    task_id = uuid.uuid4()
    later = now() + timedelta(days=3)
    events = [
        task_created(ticket, task_id),
        task_assigned(ticket, task_id, accept_due_at=later, due_at=later),
        task_event(TaskAccepted, ticket, task_id, accept_due_at=later, within_limit=True),
        task_event(
            TaskReturned,
            ticket,
            task_id,
            returned_by_unit_code=UNIT,
            reason_code="not_our_remit",
            reason="不属于本单位职责",
            return_count=1,
            sent_to="dispatcher_queue",
        ),
        task_event(
            TaskReassigned,
            ticket,
            task_id,
            previous_unit_code=UNIT,
            unit_name="县城管局",
            reason="改派城管",
            reassign_count=1,
            accept_due_at=later,
            due_at=later,
        ),
        task_event(
            TaskExtensionRequested,
            ticket,
            task_id,
            current_due_at=later,
            requested_due_at=later + timedelta(days=2),
            reason="需采购配件",
        ),
        task_event(
            TaskExtensionDecided,
            ticket,
            task_id,
            approved=True,
            due_at=later + timedelta(days=2),
        ),
        task_event(
            TaskDeadlineWarning,
            ticket,
            task_id,
            deadline="handle",
            due_at=later,
            supervisor_unit_code="331199-CC",
            elapsed_fraction=0.8,
        ),
        task_event(
            TaskOverdue,
            ticket,
            task_id,
            deadline="handle",
            due_at=later,
            supervisor_unit_code="331199-CC",
        ),
        task_event(
            TaskEscalated,
            ticket,
            task_id,
            deadline="handle",
            due_at=later,
            supervisor_unit_code="331199-CC",
            escalated_to_unit_code="331199-CC",
        ),
        task_event(TaskFlagged, ticket, task_id, flagged=True, reason="挂牌", source="leader"),
        task_event(TaskReplied, ticket, task_id, result="已更换灯泡", on_time=True),
        task_event(TaskReviewRejected, ticket, task_id, reason="照片不清楚"),
        task_event(TaskReplied, ticket, task_id, result="已更换灯泡，附照片", on_time=True),
        task_event(TaskReviewed, ticket, task_id),
        task_event(TaskCallbackRecorded, ticket, task_id, verdict="unsatisfied", source="operator"),
        task_event(
            TaskReopened,
            ticket,
            task_id,
            previous_unit_code=UNIT,
            reason="群众不满意",
            reopen_count=1,
            accept_due_at=later,
            due_at=later,
        ),
    ]

    await _send_all(api, broker, *events)

    view = await _view(api, ticket["id"])
    steps = [entry["step"] for entry in view["timeline"]]
    assert steps == [
        "registered",
        "task_created",
        "task_assigned",
        "task_accepted",
        "task_returned",
        "task_reassigned",
        "extension_requested",
        "extension_decided",
        "deadline_warning",
        "overdue",
        "escalated",
        "flagged",
        "task_replied",
        "review_rejected",
        "task_replied",
        "task_reviewed",
        "callback_recorded",
        "task_reopened",
    ]
    assert view["status"] == "dispatched"  # reopened: back with a unit


async def test_ticket_closes_with_its_only_task_and_says_how(api, broker):
    ticket = await api.register(api.lone_body())
    task_id = uuid.uuid4()

    await _send_all(
        api,
        broker,
        task_created(ticket, task_id),
        task_assigned(ticket, task_id),
        closed(ticket, task_id, "已更换路灯灯泡"),
    )

    view = await _view(api, ticket["id"])
    assert view["status"] == "closed"
    assert view["resolution"] == "handled"
    assert view["closed_at"]
    assert view["timeline"][-1]["step"] == "closed"
    [event] = await _outbox(api, ticket["id"], "closed")
    data = event["data"]
    assert data["resolution"] == "handled"
    assert data["outcome"] == "已更换路灯灯泡"
    assert data["handled_by"] == [UNIT]
    assert data["satisfaction"] == "satisfied"
    assert data["channel"] == "hotline_12345"
    assert event["causationid"] is not None
    assert await _outbox(api, ticket["id"], "police_feedback") == []


async def test_ticket_stays_open_until_its_last_task_closes(api, broker):
    ticket = await api.register(api.lone_body())
    first, second, verification = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # Task events are keyed by task id, so events of different tasks may be applied in any
    # order; dispatch creates the tasks long before one closes, as here.
    await _send_all(
        api,
        broker,
        task_created(ticket, first),
        task_created(ticket, second),
        task_created(ticket, verification, kind="verification"),
    )
    await _send_all(api, broker, closed(ticket, first, "城管已处理"))

    assert (await _view(api, ticket["id"]))["status"] != "closed"
    assert await _outbox(api, ticket["id"], "closed") == []

    await _send_all(api, broker, closed(ticket, second, "供电公司已修复"))

    view = await _view(api, ticket["id"])
    assert view["status"] == "closed"  # the open verification task (核查) does not hold it
    [event] = await _outbox(api, ticket["id"], "closed")
    assert event["data"]["outcome"] == "城管已处理；供电公司已修复"


async def test_redelivered_task_closed_closes_the_ticket_once(api, broker):
    ticket = await api.register(api.lone_body())
    task_id = uuid.uuid4()
    closing = closed(ticket, task_id, "已处理")

    await _send_all(api, broker, task_created(ticket, task_id), closing)
    await broker.produce(closing)
    later = closed(ticket, uuid.uuid4(), "再次关闭")  # a task we never saw created
    await _send_all(api, broker, later)

    assert len(await _outbox(api, ticket["id"], "closed")) == 1


async def test_a_cancelled_task_does_not_close_the_ticket(api, broker):
    ticket = await api.register(api.lone_body())
    task_id = uuid.uuid4()

    await _send_all(
        api,
        broker,
        task_created(ticket, task_id),
        task_event(TaskCancelled, ticket, task_id, reason="duplicate"),
    )

    view = await _view(api, ticket["id"])
    assert view["status"] == "registered"
    assert view["timeline"][-1]["step"] == "task_cancelled"


async def test_closing_a_110_transfer_feeds_the_outcome_back_to_110(api, broker):
    received = now() - timedelta(minutes=10)
    ticket = await api.register(
        api.lone_body(
            channel="police_110",
            description="小区楼下噪音扰民，110转来",
            incident_number="110-20261123-000777",
            received_by_110_at=received.isoformat(),
        ),
        headers={"X-API-Key": POLICE_110_KEY},
    )
    task_id = uuid.uuid4()

    await _send_all(
        api, broker, task_created(ticket, task_id), closed(ticket, task_id, "已劝导，噪音已停止")
    )

    [feedback] = await _outbox(api, ticket["id"], "police_feedback")
    data = feedback["data"]
    assert data["incident_number"] == "110-20261123-000777"
    assert datetime.fromisoformat(data["received_by_110_at"]) == received
    assert data["outcome"] == "已劝导，噪音已停止"
    assert data["resolution"] == "handled"
    assert data["handled_by"] == [UNIT]
    [closed_event] = await _outbox(api, ticket["id"], "closed")
    assert closed_event["data"]["external_ref"] == "110-20261123-000777"
    record = await broker.find(
        "intake.tickets.v1",
        lambda r: (
            r.key == ticket["id"].encode()
            and json.loads(r.value)["type"] == "pingan.intake.ticket.police_feedback.v1"
        ),
    )
    assert json.loads(record.value)["data"]["incident_number"] == "110-20261123-000777"


async def _merged_110_transfer(api, master_body: dict, incident: str) -> dict:  # type: ignore[no-untyped-def]
    """A 110 transfer about the master's matter at its place: merged into it (并单)."""
    body = api.lone_body(
        channel="police_110",
        description="路口的路灯坏了，晚上很黑，群众向110反映",
        incident_number=incident,
        location=master_body["location"],
    )
    ticket = await api.register(body, headers={"X-API-Key": POLICE_110_KEY})
    assert ticket["status"] == "merged", ticket
    return ticket


async def test_master_closing_with_its_task_closes_its_merged_calls_and_answers_110(api, broker):
    master_body = api.lone_body()
    master = await api.register(master_body)
    neighbour = await api.register(
        api.lone_body(
            description="路口那个路灯一直不亮，晚上很黑", location=master_body["location"]
        )
    )
    transfer = await _merged_110_transfer(api, master_body, "110-20261123-000888")
    assert neighbour["status"] == "merged"
    task_id = uuid.uuid4()

    await _send_all(
        api, broker, task_created(master, task_id), closed(master, task_id, "已更换路灯灯泡")
    )

    assert (await _view(api, master["id"]))["status"] == "closed"
    for merged in (neighbour, transfer):
        view = await _view(api, merged["id"])
        assert (view["status"], view["resolution"]) == ("closed", "merged")
        assert view["timeline"][-1]["step"] == "closed"
        [event] = await _outbox(api, merged["id"], "closed")
        assert event["data"]["resolution"] == "merged"
        assert master["ticket_number"] in event["data"]["outcome"]
        assert "已更换路灯灯泡" in event["data"]["outcome"]
    assert await _outbox(api, neighbour["id"], "police_feedback") == []
    [feedback] = await _outbox(api, transfer["id"], "police_feedback")
    assert feedback["data"]["incident_number"] == "110-20261123-000888"
    assert feedback["data"]["resolution"] == "merged"
    assert "已更换路灯灯泡" in feedback["data"]["outcome"]
    # The master's own closing is published once, whatever its merged calls do.
    assert len(await _outbox(api, master["id"], "closed")) == 1


async def test_a_110_transfer_answered_at_intake_feeds_the_answer_back_to_110(api):
    ticket = await api.register(
        api.lone_body(
            channel="police_110",
            description="群众咨询城乡居民医保今年什么时候开始缴费，在哪里交",
            incident_number="110-20261123-000901",
        ),
        headers={"X-API-Key": POLICE_110_KEY},
    )
    assert ticket["category"]["group"] == "consultation"

    response = await api.client.post(
        f"/v1/tickets/{ticket['id']}/answer",
        json={"answer": "9月1日至12月31日，可在浙里办缴纳", "knowledge_entry_id": "KB-YB-001"},
        headers=api.headers("operator"),
    )

    assert response.status_code == 200, response.text
    [feedback] = await _outbox(api, ticket["id"], "police_feedback")
    assert feedback["data"]["incident_number"] == "110-20261123-000901"
    assert feedback["data"]["resolution"] == "answered"
    assert feedback["data"]["outcome"] == "9月1日至12月31日，可在浙里办缴纳"


async def test_a_110_transfer_merged_into_an_answered_master_gets_its_feedback(api):
    master_body = api.lone_body()
    master = await api.register(master_body)
    transfer = await _merged_110_transfer(api, master_body, "110-20261123-000902")

    response = await api.client.post(
        f"/v1/tickets/{master['id']}/answer",
        json={"answer": "该路灯已列入本周检修计划", "force": True},
        headers=api.headers("operator"),
    )

    assert response.status_code == 200, response.text
    [feedback] = await _outbox(api, transfer["id"], "police_feedback")
    assert feedback["data"]["incident_number"] == "110-20261123-000902"
    assert feedback["data"]["resolution"] == "merged"
    assert "该路灯已列入本周检修计划" in feedback["data"]["outcome"]
