"""Other services' events acting on tasks: retraction, merge, reclassification, split,
supplements, the citizen's survey answer and risk verification requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from pingan_common.events.dispatch import (
    TaskCallbackRecorded,
    TaskCancelled,
    TaskClosed,
    TaskCreated,
    TaskReassigned,
)
from pingan_common.events.intake import (
    ClassificationSnapshot,
    TicketMerged,
    TicketMergedData,
    TicketReclassified,
    TicketReclassifiedData,
    TicketRetracted,
    TicketRetractedData,
    TicketSplit,
    TicketSplitData,
    TicketUpdated,
    TicketUpdatedData,
)
from pingan_common.events.notify import SurveyAnswered, SurveyAnsweredData
from pingan_common.events.riskassess import VerificationRequested, VerificationRequestedData
from pingan_common.events.values import Category
from pingan_common.testing.services import eventually

REPLY = {"result": "已处理完毕", "measures": "定期回访"}


def _ticket_fields(task: dict) -> dict:
    return {
        "ticket_id": task["ticket_id"],
        "ticket_number": task["ticket_number"],
        "area_code": task["area_code"],
        "actor": "operator1",
        "occurred_at": datetime.now(UTC),
    }


def _about_ticket(event_class, data, task: dict):  # type: ignore[no-untyped-def]
    return event_class.create(data, subject=task["ticket_id"], correlationid=task["ticket_id"])


def _survey(task: dict, verdict: str) -> SurveyAnswered:
    return SurveyAnswered.create(
        SurveyAnsweredData(
            survey_id=uuid4(),
            ticket_id=task["ticket_id"],
            ticket_number=task["ticket_number"],
            task_id=task["id"],
            verdict=verdict,
            raw_reply={"satisfied": "1", "basically_satisfied": "2"}.get(verdict, "3"),
            answered_at=datetime.now(UTC),
        ),
        subject=task["id"],
        correlationid=task["ticket_id"],
    )


async def _state_becomes(api, task_id: str, state: str) -> dict:  # type: ignore[no-untyped-def]
    async def probe() -> dict | None:
        task = await api.read(task_id)
        return task if task["state"] == state else None

    return await eventually(probe)


async def test_a_retracted_ticket_cancels_its_open_task(api, make_ticket, dispatch):
    task = await api.open(make_ticket())

    await dispatch.send(
        _about_ticket(
            TicketRetracted, TicketRetractedData(**_ticket_fields(task), reason="已自行解决"), task
        )
    )

    cancelled = await _state_becomes(api, task["id"], "cancelled")
    assert cancelled["history"][-1]["details"]["reason"] == "retracted"
    (event,) = await api.events(task["id"], TaskCancelled)
    assert event.data.reason == "retracted"
    assert event.data.comment == "已自行解决"


async def test_a_ticket_merged_into_another_cancels_its_task(api, make_ticket, dispatch):
    task = await api.open(make_ticket())
    merged = TicketMergedData(
        **_ticket_fields(task),
        master_ticket_id=uuid4(),
        master_ticket_number="QS20261123009999",
        caller_count=2,
        reason="同一地点同一问题",
        automatic=False,
    )

    await dispatch.send(_about_ticket(TicketMerged, merged, task))

    await _state_becomes(api, task["id"], "cancelled")
    (event,) = await api.events(task["id"], TaskCancelled)
    assert event.data.reason == "merged"
    assert "QS20261123009999" in event.data.comment


async def test_a_retraction_after_the_task_closed_changes_nothing(api, make_ticket, dispatch):
    task = await api.open(make_ticket())
    await api.to_reviewed(task, REPLY)
    await api.do(task, "callback", {"verdict": "satisfied"}, role="operator")
    retraction = _about_ticket(
        TicketRetracted, TicketRetractedData(**_ticket_fields(task), reason="撤单"), task
    )

    await dispatch.send(retraction)

    await eventually(lambda: dispatch.consumed(retraction.id))
    assert (await api.read(task["id"]))["state"] == "closed"


async def test_a_reclassified_unaccepted_task_is_routed_again(api, make_ticket, dispatch):
    task = await api.open(make_ticket("路边有人占道摆摊", code="street_light", label="路灯故障"))
    assert task["unit_code"] == "331199001-ZZ"
    snapshot = {
        "urgency": "normal",
        "disposition": "task",
        "dispositions": ["task"],
    }
    data = TicketReclassifiedData(
        **_ticket_fields(task),
        previous=ClassificationSnapshot(
            category=Category(group="city_service", code="street_light", label="路灯故障"),
            **snapshot,
        ),
        current=ClassificationSnapshot(
            category=Category(group="safety_hazard", code="gas_leak", label="燃气泄漏"),
            **snapshot,
        ),
        reason="实为燃气问题",
    )

    await dispatch.send(_about_ticket(TicketReclassified, data, task))

    async def moved() -> dict | None:
        current = await api.read(task["id"])
        return current if current["unit_code"] != task["unit_code"] else None

    rerouted = await eventually(moved)
    assert rerouted["unit_code"] == "331199-D-RQ"
    assert rerouted["category_code"] == "gas_leak"
    assert rerouted["counters"]["reassignments"] == 0  # not the unit's bounce
    (event,) = await api.events(task["id"], TaskReassigned)
    assert "实为燃气问题" in event.data.reason
    # Gas: 24 hours from the first assignment, not from the re-routing.
    started = datetime.fromisoformat(rerouted["deadlines"]["clock_started_at"])
    assert datetime.fromisoformat(rerouted["deadlines"]["due_at"]) - started == timedelta(hours=24)


async def test_a_split_ticket_gets_its_own_task_once(api, make_ticket, dispatch):
    original = make_ticket()
    data = original.data.model_dump() | {
        "split_from_ticket_id": uuid4(),
        "reason": "并单错误，拆分",
        "split_by": "operator1",
        "split_at": datetime.now(UTC),
    }
    split = TicketSplit.create(
        TicketSplitData(**data),
        subject=original.subject,
        correlationid=original.correlationid,
    )

    await dispatch.send(split)
    await dispatch.send(
        TicketSplit.create(
            TicketSplitData(**data), subject=split.subject, correlationid=split.correlationid
        )
    )

    async def tasks() -> list:
        return await dispatch.items("/v1/tasks", ticket_id=str(original.data.ticket_id))

    (task,) = await eventually(tasks)
    assert task["state"] == "assigned"
    assert await dispatch.outbox_count(TaskCreated.event_type(), split.correlationid) == 1


async def test_a_supplement_from_the_caller_appears_on_the_tasks_timeline(
    api, make_ticket, dispatch
):
    task = await api.open(make_ticket())
    update = TicketUpdatedData(**_ticket_fields(task), supplement="晚上八点后灯才不亮")

    await dispatch.send(_about_ticket(TicketUpdated, update, task))

    async def noted() -> dict | None:
        current = await api.read(task["id"])
        return current if current["history"][-1]["action"] == "supplement" else None

    current = await eventually(noted)
    assert current["history"][-1]["details"]["supplement"] == "晚上八点后灯才不亮"
    assert current["state"] == "assigned"


async def test_the_citizens_sms_answer_is_the_callback_of_a_reviewed_task(
    api, make_ticket, dispatch
):
    task = await api.open(make_ticket())
    await api.to_reviewed(task, REPLY)
    answer = _survey(task, "basically_satisfied")

    await dispatch.send(answer)
    await dispatch.send(answer)  # redelivered: applied once

    closed = await _state_becomes(api, task["id"], "closed")
    assert closed["callback_verdict"] == "basically_satisfied"
    (event,) = await api.events(task["id"], TaskCallbackRecorded)
    assert event.data.source == "sms"
    assert event.causationid == str(answer.id)
    await eventually(lambda: dispatch.consumed(answer.id))
    assert (
        await api.scalar(
            "SELECT count(*) FROM task_history WHERE task_id = :id AND action = 'callback'",
            id=task["id"],
        )
        == 1
    )


async def test_an_sms_answer_before_the_review_is_held_and_applied_when_the_reply_is_accepted(
    api, make_ticket, dispatch
):
    task = await api.open(make_ticket())
    await api.do(task, "accept", role="unit")
    await api.do(task, "reply", REPLY, role="unit")
    answer = _survey(task, "satisfied")

    await dispatch.send(answer)

    async def held() -> dict | None:
        current = await api.read(task["id"])
        return current if current["pending_callback"] else None

    waiting = await eventually(held)
    assert waiting["state"] == "replied"
    assert waiting["pending_callback"]["verdict"] == "satisfied"

    closed = await api.do(task, "review", {"accepted": True})
    assert closed["state"] == "closed"
    assert closed["callback_verdict"] == "satisfied"
    assert closed["pending_callback"] is None


async def test_an_sms_answer_to_a_task_not_awaiting_a_callback_is_ignored(
    api, make_ticket, dispatch
):
    task = await api.open(make_ticket())
    answer = _survey(task, "unsatisfied")

    await dispatch.send(answer)

    await eventually(lambda: dispatch.consumed(answer.id))
    current = await api.read(task["id"])
    assert current["state"] == "assigned"
    assert current["callback_verdict"] is None
    assert current["history"][-1]["action"] == "survey-answer-ignored"


async def test_a_verification_request_becomes_a_task_for_the_grid_closed_without_a_callback(
    api, dispatch
):
    alert_id = uuid4()
    request = VerificationRequested.create(
        VerificationRequestedData(
            alert_id=alert_id,
            ticket_id=uuid4(),
            ticket_number="QS20261123000777",
            level="orange",
            area_code="33119900100101",
            summary="核实是否有人员聚集讨薪",
            requested_by="analyst1",
            requested_at=datetime.now(UTC),
        ),
        subject=str(alert_id),
        correlationid=str(alert_id),
    )

    await dispatch.send(request)

    async def opened() -> list:
        return await dispatch.items("/v1/tasks", alert_id=str(alert_id))

    (listed,) = await eventually(opened)
    task = await api.read(listed["id"])
    assert task["kind"] == "verification"
    assert task["alert_id"] == str(alert_id)
    assert task["unit_code"] == "33119900100101-WG"
    grid_worker = {"role": "grid_worker", "area": "33119900100101", "unit": "33119900100101-WG"}
    await api.do(task, "accept", **grid_worker)
    await api.do(task, "reply", {"result": "现场核实：无聚集，已劝离"}, **grid_worker)
    callback = await api.act(task["id"], "callback", {"verdict": "satisfied"}, role="operator")

    closed = await api.do(task, "review", {"accepted": True})

    assert callback.status_code == 409
    assert closed["state"] == "closed"
    (event,) = await api.events(task["id"], TaskClosed)
    assert event.data.kind == "verification"
    assert event.data.alert_id == alert_id
    assert event.data.result == "现场核实：无聚集，已劝离"


async def test_an_sms_answer_about_a_mediation_case_is_consumed_and_changes_no_task(
    api, make_ticket, dispatch
):
    task = await api.open(make_ticket())
    await api.to_reviewed(task, REPLY)
    # notify's survey of a case names the case's id where a task's names the task
    answer = _survey({**task, "id": str(uuid4())}, "satisfied")

    await dispatch.send(answer)

    await eventually(lambda: dispatch.consumed(answer.id))
    current = await api.read(task["id"])
    assert current["state"] == "reviewed"
    assert current["callback_verdict"] is None
    assert (
        await api.scalar("SELECT count(*) FROM tasks WHERE id = :id", id=answer.data.task_id) == 0
    )
