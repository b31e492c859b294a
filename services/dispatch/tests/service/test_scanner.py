"""The deadline scanner (预警 → 催办 → 督办) on the real service, with time injected.

Each pass runs at an explicit instant (``run_pass(..., now)``), so a test walks one task through
its deadlines without waiting; each stage must be published once, to the right units.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pingan_common.events.dispatch import (
    TaskDeadlineWarning,
    TaskEscalated,
    TaskOverdue,
)
from pingan_dispatch.routing.engine import on_duty
from pingan_dispatch.sla.scanner import run_pass
from pingan_dispatch.sla.workdays import default_calendar

SECOND = timedelta(seconds=1)


def _at(task: dict, deadline: str) -> datetime:
    return datetime.fromisoformat(task["deadlines"][deadline]) + SECOND


async def _scan(dispatch, now: datetime):  # type: ignore[no-untyped-def]
    runtime = dispatch.service.runtime
    return await run_pass(runtime.sessions, runtime.outbox, now, batch_size=50)


async def _published(api, task: dict, event_class) -> int:  # type: ignore[no-untyped-def]
    return await api.scalar(
        "SELECT count(*) FROM outbox WHERE message_key = :id AND event_type = :type",
        id=task["id"],
        type=event_class.event_type(),
    )


async def test_each_stage_fires_once_and_reaches_the_unit_its_supervisor_and_the_leader(
    api, make_ticket, dispatch
):
    task = await api.open(
        make_ticket(
            "闻到很浓的燃气味",
            group="safety_hazard",
            code="gas_leak",
            label="燃气泄漏",
            urgency="urgent",
        )
    )
    assert task["unit_code"] == "331199-D-RQ"

    for _ in range(2):  # the second pass at the same instant publishes nothing new
        await _scan(dispatch, _at(task, "accept_due_at"))
    assert await _published(api, task, TaskOverdue) == 1
    (not_signed,) = await api.events(task["id"], TaskOverdue)
    assert not_signed.data.deadline == "accept"
    assert await _published(api, task, TaskDeadlineWarning) == 0

    for _ in range(2):
        await _scan(dispatch, _at(task, "warn_at"))
    (warning,) = await api.events(task["id"], TaskDeadlineWarning)
    assert warning.data.unit_code == "331199-D-RQ"
    assert warning.data.supervisor_unit_code == "331199-CC"
    assert warning.data.elapsed_fraction == 0.8

    for _ in range(2):
        await _scan(dispatch, _at(task, "due_at"))
    overdue = await api.events(task["id"], TaskOverdue, count=2)
    assert [e.data.deadline for e in overdue] == ["accept", "handle"]
    assert overdue[1].data.supervisor_unit_code == "331199-CC"

    escalate_at = _at(task, "escalate_at")
    for _ in range(2):
        await _scan(dispatch, escalate_at)
    (escalated,) = await api.events(task["id"], TaskEscalated)
    assert escalated.data.escalated_to_unit_code == "331199-CC"
    async with dispatch.service.runtime.transaction() as session:
        leaders = await on_duty(session, "331199-CC", escalate_at, "leader")
    assert leaders, "the county command center has a leader on duty"
    assert escalated.data.on_duty_leader_ids == leaders

    await _scan(dispatch, escalate_at + timedelta(days=30))
    counts = [
        await _published(api, task, kind)
        for kind in (TaskDeadlineWarning, TaskOverdue, TaskEscalated)
    ]
    assert counts == [1, 2, 1]
    timeline = [h["action"] for h in (await api.read(task["id"]))["history"]]
    assert timeline[-4:] == ["accept_overdue", "warning", "overdue", "escalated"]


async def test_a_village_units_overdue_task_goes_to_its_township_for_supervision(
    api, make_ticket, dispatch
):
    task = await api.open(make_ticket())
    task = await api.do(task, "reassign", {"unit_code": "331199001001-CWH", "reason": "社区可处理"})

    await _scan(dispatch, _at(task, "escalate_at"))

    (overdue,) = [
        e for e in await api.events(task["id"], TaskOverdue, count=2) if e.data.deadline == "handle"
    ]
    assert overdue.data.unit_code == "331199001001-CWH"
    assert overdue.data.supervisor_unit_code == "331199001-ZZ"
    (escalated,) = await api.events(task["id"], TaskEscalated)
    assert escalated.data.escalated_to_unit_code == "331199001-ZZ"


async def test_an_approved_extension_re_arms_the_warning_for_the_new_due_date(
    api, make_ticket, dispatch
):
    task = await api.open(make_ticket())
    await api.do(task, "accept", role="unit")
    await _scan(dispatch, _at(task, "warn_at"))
    assert await _published(api, task, TaskDeadlineWarning) == 1

    later = default_calendar().add_working_days(
        datetime.fromisoformat(task["deadlines"]["due_at"]), 3
    )
    await api.do(
        task,
        "request-extension",
        {"requested_due_at": later.isoformat(), "reason": "协调中"},
        role="unit",
    )
    extended = await api.do(task, "decide-extension", {"approved": True})
    await _scan(dispatch, _at(task, "due_at"))  # the old due date: no longer overdue
    assert await _published(api, task, TaskOverdue) == 0
    await _scan(dispatch, _at(extended, "warn_at"))

    warnings = await api.events(task["id"], TaskDeadlineWarning, count=2)
    assert [w.data.due_at for w in warnings] == [
        datetime.fromisoformat(task["deadlines"]["due_at"]),
        later,
    ]


async def test_a_reply_stops_the_clock(api, make_ticket, dispatch):
    task = await api.open(make_ticket())
    await api.do(task, "accept", role="unit")
    await api.do(task, "reply", {"result": "已修复"}, role="unit")

    await _scan(dispatch, _at(task, "escalate_at") + timedelta(days=10))

    for kind in (TaskDeadlineWarning, TaskOverdue, TaskEscalated):
        assert await _published(api, task, kind) == 0


async def test_a_warning_for_a_task_already_overdue_is_not_sent(api, make_ticket, dispatch):
    task = await api.open(make_ticket())
    await api.do(task, "accept", role="unit")

    result = await _scan(dispatch, _at(task, "due_at"))

    assert result.silenced >= 1
    assert await _published(api, task, TaskDeadlineWarning) == 0
    assert await _published(api, task, TaskOverdue) == 1


async def test_an_admin_runs_a_pass_now_on_the_service_clock(
    api, make_ticket, dispatch, dispatch_clock
):
    task = await api.open(make_ticket())
    await api.do(task, "accept", role="unit")
    dispatch_clock.advance(_at(task, "due_at") - datetime.now(tz=_at(task, "due_at").tzinfo))

    forbidden = await dispatch.client.post(
        "/v1/admin/scanner/run", headers=dispatch.headers("dispatcher")
    )
    response = await dispatch.client.post(
        "/v1/admin/scanner/run", headers=dispatch.headers("admin")
    )

    assert forbidden.status_code == 403
    assert response.status_code == 200, response.text
    assert response.json()["published"]["overdue"] >= 1
    assert await _published(api, task, TaskOverdue) == 1
    current = await api.read(task["id"])
    assert current["deadlines"]["stage"] == "overdue"


async def _dispatcher_queue_ids(dispatch) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    response = await dispatch.client.get(
        "/v1/queues/dispatcher", params={"limit": 200}, headers=dispatch.headers()
    )
    assert response.status_code == 200, response.text
    return {name: {item["id"] for item in b["items"]} for name, b in response.json().items()}


async def test_the_dispatcher_sees_new_due_soon_and_escalated_tasks_in_their_queues(
    api, make_ticket, dispatch, dispatch_clock
):
    task = await api.open(make_ticket("小区路灯不亮了", group="city_service", code="street_light"))
    queues = await _dispatcher_queue_ids(dispatch)
    assert task["id"] in queues["new_today"]
    assert task["id"] not in queues["due_soon"] | queues["escalated"]

    await api.do(task, "accept", role="unit")
    dispatch_clock.advance(_at(task, "warn_at") - dispatch_clock())
    queues = await _dispatcher_queue_ids(dispatch)
    assert task["id"] in queues["due_soon"]
    assert task["id"] not in queues["escalated"]

    await _scan(dispatch, _at(task, "escalate_at"))
    dispatch_clock.advance(_at(task, "escalate_at") - dispatch_clock())
    queues = await _dispatcher_queue_ids(dispatch)
    assert task["id"] in queues["escalated"]
    assert task["id"] in queues["overdue"]
    assert task["id"] not in queues["due_soon"]  # past its due date: overdue, not 临期


async def test_a_units_inbox_lists_its_replies_awaiting_review(api, make_ticket, dispatch):
    ticket = make_ticket("巷口路灯一闪一闪", group="city_service", code="street_light")
    task = await api.open(ticket)
    await api.do(task, "accept", role="unit")
    await api.do(task, "reply", {"result": "已更换巷口路灯"}, role="unit")
    response = await dispatch.client.get(
        "/v1/queues/unit", params={"limit": 200}, headers=api.unit_headers(task)
    )
    assert response.status_code == 200, response.text
    queue = response.json()
    assert task["id"] in {item["id"] for item in queue["awaiting_review"]["items"]}
    assert task["id"] not in {item["id"] for item in queue["in_progress"]["items"]}
    assert queue["flagged_count"] == queue["flagged"]["count"]
