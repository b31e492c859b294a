"""The task lifecycle through the REST API, with its events and timeline, on the real service.

One dispatch app serves the module (``dispatch`` in conftest.py); each test opens its own
tasks from its own tickets.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from pingan_common.events.dispatch import (
    TaskAccepted,
    TaskCallbackRecorded,
    TaskClosed,
    TaskExtensionDecided,
    TaskFlagged,
    TaskReassigned,
    TaskReopened,
    TaskReplied,
    TaskReturned,
    TaskReviewed,
    TaskReviewRejected,
)
from pingan_dispatch.sla.workdays import default_calendar

REPLY = {"result": "已更换路灯灯泡，恢复照明", "measures": "每周巡查"}


async def test_a_task_goes_from_assignment_to_closed_with_a_satisfied_callback(
    api, make_ticket, history_actions
):
    task = await api.open(make_ticket())
    assert task["state"] == "assigned"
    assert task["allowed_actions"] == ["reassign", "cancel"]  # as the dispatcher
    assert task["deadlines"]["stage"] == "ok"

    accepted = await api.do(task, "accept", role="unit")
    assert accepted["state"] == "accepted"
    assert accepted["allowed_actions"] == [
        "return",
        "request-extension",
        "reply",
        "convert-to-case",
    ]
    replied = await api.do(task, "reply", REPLY, role="unit")
    assert replied["state"] == "replied"
    reviewed = await api.do(task, "review", {"accepted": True})
    assert reviewed["state"] == "reviewed"
    closed = await api.do(
        task, "callback", {"verdict": "satisfied", "resolved": True}, role="operator"
    )

    assert closed["state"] == "closed"
    assert closed["callback_verdict"] == "satisfied"
    assert closed["handled_by"] == ["331199001-ZZ"]
    assert closed["allowed_actions"] == []  # as the operator who recorded the callback
    assert (await api.read(task["id"]))["allowed_actions"] == ["reopen"]
    assert history_actions(closed) == [
        "create",
        "assign",
        "accept",
        "reply",
        "review",
        "callback",
        "close",
    ]
    (event,) = await api.events(task["id"], TaskClosed)
    assert event.data.verdict == "satisfied"
    assert event.data.resolved is True
    assert event.data.result == REPLY["result"]
    assert event.data.handled_by == ["331199001-ZZ"]
    assert event.correlationid == task["ticket_id"]
    (accepted_event,) = await api.events(task["id"], TaskAccepted)
    assert accepted_event.data.within_limit is True
    assert accepted_event.data.actor == "handler1"
    (replied_event,) = await api.events(task["id"], TaskReplied)
    assert replied_event.data.on_time is True
    await api.events(task["id"], TaskReviewed)
    (callback,) = await api.events(task["id"], TaskCallbackRecorded)
    assert callback.data.source == "operator"


async def test_each_transition_writes_the_state_its_history_row_and_its_event_together(
    api, make_ticket
):
    task = await api.open(make_ticket())
    await api.do(task, "accept", role="unit")
    await api.do(task, "reply", REPLY, role="unit")

    rows = await api.scalar("SELECT count(*) FROM task_history WHERE task_id = :id", id=task["id"])
    outbox = await api.scalar("SELECT count(*) FROM outbox WHERE message_key = :id", id=task["id"])
    # create, assign, accept, reply — one timeline row and one event each.
    assert rows == outbox == 4


async def test_an_action_the_state_does_not_allow_is_a_409_listing_what_is_allowed(
    api, make_ticket
):
    task = await api.open(make_ticket())

    response = await api.by_unit(task, "reply", REPLY)

    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["state"] == "assigned"
    assert problem["action"] == "reply"
    assert problem["allowed_actions"] == ["accept", "return", "convert-to-case"]
    assert (await api.read(task["id"]))["state"] == "assigned"


async def test_only_the_tasks_own_unit_may_sign_for_it(api, make_ticket):
    task = await api.open(make_ticket())

    other_unit = await api.act(
        task["id"], "accept", role="handler", area="331199", unit="331199002-ZZ"
    )
    other_area = await api.act(
        task["id"], "accept", role="handler", area="331199002", unit="331199002-ZZ"
    )
    operator = await api.act(task["id"], "review", {"accepted": True}, role="operator")

    assert other_unit.status_code == 403
    assert "331199001-ZZ" in other_unit.json()["detail"]
    assert other_area.status_code == 404  # another township's task is not there for it
    assert operator.status_code == 403
    assert (await api.read(task["id"]))["state"] == "assigned"


async def test_two_concurrent_sign_ins_one_wins_and_the_other_gets_a_409(api, make_ticket):
    task = await api.open(make_ticket())

    first, second = await asyncio.gather(api.by_unit(task, "accept"), api.by_unit(task, "accept"))

    assert sorted([first.status_code, second.status_code]) == [200, 409]
    loser = first if first.status_code == 409 else second
    assert loser.json()["state"] == "accepted"
    assert (
        await api.scalar(
            "SELECT count(*) FROM task_history WHERE task_id = :id AND action = 'accept'",
            id=task["id"],
        )
        == 1
    )


async def test_a_stale_if_match_version_is_refused_with_412(api, make_ticket):
    task = await api.open(make_ticket())
    await api.do(task, "flag", {"reason": "群众反复来电"}, role="leader")

    response = await api.act(
        task["id"],
        "accept",
        role="handler",
        area="331199001",
        unit="331199001-ZZ",
        headers={"If-Match": str(task["version"])},
    )
    fresh = await api.read(task["id"])
    current = await api.act(
        task["id"],
        "accept",
        role="handler",
        area="331199001",
        unit="331199001-ZZ",
        headers={"If-Match": f'"{fresh["version"]}"'},
    )

    assert response.status_code == 412
    assert current.status_code == 200, current.text


async def test_a_return_before_sign_in_puts_the_task_back_in_the_dispatcher_queue(
    api, make_ticket, dispatch
):
    task = await api.open(make_ticket())
    returned = await api.do(
        task,
        "return",
        {"reason_code": "not_our_remit", "reason": "该路段路灯归城管局"},
        role="unit",
    )

    assert returned["state"] == "returned"
    assert returned["unit_code"] is None
    assert returned["previous_unit_code"] == "331199001-ZZ"
    assert returned["counters"]["returns"] == 1
    assert returned["allowed_actions"] == []  # the returning unit has no say any more
    assert (await api.read(task["id"]))["allowed_actions"] == ["assign", "cancel"]
    (event,) = await api.events(task["id"], TaskReturned)
    assert event.data.sent_to == "dispatcher_queue"
    assert event.data.returned_by_unit_code == "331199001-ZZ"
    assert event.data.reason_code == "not_our_remit"
    queue = (await dispatch.client.get("/v1/queues/dispatcher", headers=dispatch.headers())).json()
    assert task["id"] in [item["id"] for item in queue["returned"]["items"]]

    reassigned = await api.do(
        task, "assign", {"unit_code": "331199-D-CG", "reason": "路灯由城管局负责"}
    )
    assert reassigned["state"] == "assigned"
    assert reassigned["unit_code"] == "331199-D-CG"
    assert reassigned["rule_id"] == "MANUAL"
    # The handling clock kept running from the first assignment: no new due date.
    assert reassigned["deadlines"]["due_at"] == task["deadlines"]["due_at"]
    assert reassigned["deadlines"]["clock_started_at"] == task["deadlines"]["clock_started_at"]
    assert reassigned["accept_due_at"] > task["accept_due_at"]


async def test_a_signed_task_cannot_be_returned_after_two_working_days(
    api, make_ticket, dispatch_clock
):
    task = await api.open(make_ticket())
    await api.do(task, "accept", role="unit")
    assigned_at = datetime.fromisoformat(task["assigned_at"])
    window_end = default_calendar().add_working_days(assigned_at, 2)
    dispatch_clock.advance(window_end - assigned_at + timedelta(minutes=1))

    response = await api.by_unit(
        task, "return", {"reason_code": "wrong_area", "reason": "不在本辖区"}
    )

    assert response.status_code == 409
    assert "2 working days" in response.json()["detail"]
    assert "return" not in response.json()["allowed_actions"]
    assert "reply" in response.json()["allowed_actions"]


async def test_a_task_returned_or_reassigned_three_times_goes_to_the_county_flagged(
    api, make_ticket, dispatch
):
    task = await api.open(make_ticket())
    back = {"reason_code": "not_our_remit", "reason": "非本单位职责"}
    await api.do(task, "return", back, role="unit")  # 1
    task = await api.do(task, "assign", {"unit_code": "331199-D-CG", "reason": "城管职责"})
    await api.do(task, "return", back, role="unit")  # 2
    task = await api.do(task, "assign", {"unit_code": "331199002-ZZ", "reason": "属地"})
    county = await api.do(task, "reassign", {"unit_code": "331199003-ZZ", "reason": "改派"})  # 3

    assert county["unit_code"] == "331199-CC"
    assert county["state"] == "assigned"
    assert county["flag"] == {
        "flagged": True,
        "reason": county["flag"]["reason"],
        "source": "bounce_limit",
    }
    assert county["counters"]["returns"] + county["counters"]["reassignments"] == 3
    (flagged,) = await api.events(task["id"], TaskFlagged)
    assert flagged.data.source == "bounce_limit"
    (reassigned,) = await api.events(task["id"], TaskReassigned)
    assert reassigned.data.unit_code == "331199-CC"
    assert reassigned.data.previous_unit_code == "331199002-ZZ"
    queue = (await dispatch.client.get("/v1/queues/dispatcher", headers=dispatch.headers())).json()
    assert task["id"] in [item["id"] for item in queue["flagged"]["items"]]


async def test_the_third_bounce_by_a_return_also_lands_at_the_county(api, make_ticket):
    task = await api.open(make_ticket())
    back = {"reason_code": "wrong_area", "reason": "不在本辖区"}
    await api.do(task, "return", back, role="unit")
    task = await api.do(task, "assign", {"unit_code": "331199002-ZZ", "reason": "属地"})
    await api.do(task, "return", back, role="unit")
    task = await api.do(task, "assign", {"unit_code": "331199003-ZZ", "reason": "属地"})

    county = await api.do(task, "return", back, role="unit")

    assert county["unit_code"] == "331199-CC"
    assert county["flag"]["source"] == "bounce_limit"
    returns = await api.events(task["id"], TaskReturned, count=3)
    assert [e.data.sent_to for e in returns] == ["dispatcher_queue", "dispatcher_queue", "county"]


async def test_an_approved_extension_moves_the_clock_and_a_rejected_one_does_not(
    api, make_ticket, dispatch
):
    task = await api.open(make_ticket())
    await api.do(task, "accept", role="unit")
    due = datetime.fromisoformat(task["deadlines"]["due_at"])
    later = default_calendar().add_working_days(due, 3)

    requested = await api.do(
        task,
        "request-extension",
        {"requested_due_at": later.isoformat(), "reason": "需协调供电公司"},
        role="unit",
    )
    assert requested["extension_request"]["reason"] == "需协调供电公司"
    assert "request-extension" not in (await api.read(task["id"], "handler"))["allowed_actions"]
    queue = (await dispatch.client.get("/v1/queues/dispatcher", headers=dispatch.headers())).json()
    assert task["id"] in [item["id"] for item in queue["extension_requests"]["items"]]

    approved = await api.do(task, "decide-extension", {"approved": True, "comment": "同意"})
    assert datetime.fromisoformat(approved["deadlines"]["due_at"]) == later
    assert approved["deadlines"]["warn_at"] > task["deadlines"]["warn_at"]
    assert approved["deadlines"]["escalate_at"] > task["deadlines"]["escalate_at"]
    assert approved["extension_request"] is None
    assert approved["counters"]["extensions"] == 1

    again = default_calendar().add_working_days(later, 2)
    await api.do(
        task,
        "request-extension",
        {"requested_due_at": again.isoformat(), "reason": "再延"},
        role="unit",
    )
    rejected = await api.do(task, "decide-extension", {"approved": False, "comment": "不同意"})
    assert datetime.fromisoformat(rejected["deadlines"]["due_at"]) == later
    decisions = await api.events(task["id"], TaskExtensionDecided, count=2)
    assert [(d.data.approved, d.data.due_at) for d in decisions] == [(True, later), (False, later)]
    spell_due = await api.scalar(
        "SELECT due_at FROM task_assignments WHERE task_id = :id", id=task["id"]
    )
    assert spell_due == later


async def test_an_extension_beyond_ten_working_days_is_refused(api, make_ticket):
    task = await api.open(make_ticket())
    await api.do(task, "accept", role="unit")
    due = datetime.fromisoformat(task["deadlines"]["due_at"])
    too_late = default_calendar().add_working_days(due, 11)

    response = await api.by_unit(
        task, "request-extension", {"requested_due_at": too_late.isoformat(), "reason": "太久"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.requested_due_at"


async def test_a_reply_sent_back_at_review_puts_the_task_in_progress_again(api, make_ticket):
    task = await api.open(make_ticket())
    await api.do(task, "accept", role="unit")
    await api.do(task, "reply", REPLY, role="unit")

    rejected = await api.do(task, "review", {"accepted": False, "comment": "请补充现场照片"})

    assert rejected["state"] == "in_progress"
    (event,) = await api.events(task["id"], TaskReviewRejected)
    assert event.data.reason == "请补充现场照片"
    again = await api.do(task, "reply", REPLY | {"measures": "附照片"}, role="unit")
    assert again["state"] == "replied"


async def test_an_unsatisfied_callback_reopens_the_task_with_fresh_deadlines(
    api, make_ticket, dispatch_clock
):
    task = await api.open(make_ticket())
    await api.to_reviewed(task, REPLY)
    dispatch_clock.advance(timedelta(days=1))

    reopened = await api.do(
        task,
        "callback",
        {"verdict": "unsatisfied", "resolved": False, "comment": "路灯还是不亮"},
        role="operator",
    )

    assert reopened["state"] == "assigned"
    assert reopened["unit_code"] == "331199001-ZZ"
    assert reopened["counters"]["reopens"] == 1
    assert reopened["reply"] is None
    assert reopened["deadlines"]["due_at"] > task["deadlines"]["due_at"]
    (event,) = await api.events(task["id"], TaskReopened)
    assert event.data.reopen_count == 1
    assert event.data.previous_unit_code == "331199001-ZZ"
    spells = await api.scalar(
        "SELECT array_agg(reopened_count ORDER BY id) FROM task_assignments WHERE task_id = :id",
        id=task["id"],
    )
    assert spells == [1, 0]


async def test_a_dispatcher_reopens_a_closed_task_with_another_unit(api, make_ticket):
    task = await api.open(make_ticket())
    await api.to_reviewed(task, REPLY)
    await api.do(task, "callback", {"verdict": "basically_satisfied"}, role="operator")

    reopened = await api.do(
        task, "reopen", {"unit_code": "331199-D-CG", "reason": "群众再次来电，问题未解决"}
    )

    assert reopened["state"] == "assigned"
    assert reopened["unit_code"] == "331199-D-CG"
    assert reopened["previous_unit_code"] == "331199001-ZZ"


async def test_a_leader_flags_a_task_and_its_unit_shows_the_flag_until_lifted(
    api, make_ticket, dispatch
):
    task = await api.open(make_ticket("小区门口垃圾堆积多日无人清理", code="garbage", label="垃圾"))
    unit_queue = f"/v1/queues/unit/{task['unit_code']}"

    async def flagged_count() -> int:
        response = await dispatch.client.get(unit_queue, headers=dispatch.headers("dispatcher"))
        return response.json()["flagged_count"]

    before = await flagged_count()
    flagged = await api.do(task, "flag", {"reason": "群众反复来电，挂牌督办"}, role="leader")
    assert flagged["flag"]["flagged"] is True
    assert flagged["flag"]["source"] == "leader"
    assert await flagged_count() == before + 1
    dispatcher_flag = await api.act(task["id"], "flag", {"reason": "x"})
    assert dispatcher_flag.status_code == 403

    lifted = await api.do(task, "flag", {"flagged": False, "reason": "已整改"}, role="leader")
    assert lifted["flag"]["flagged"] is False
    assert await flagged_count() == before
    events = await api.events(task["id"], TaskFlagged, count=2)
    assert [e.data.flagged for e in events] == [True, False]


async def test_a_dispatcher_cancels_a_duplicate_task(api, make_ticket):
    task = await api.open(make_ticket())

    cancelled = await api.do(task, "cancel", {"reason": "duplicate", "comment": "重复工单"})

    assert cancelled["state"] == "cancelled"
    assert cancelled["allowed_actions"] == []
    assert await api.scalar(
        "SELECT bool_and(cancelled) FROM task_assignments WHERE task_id = :id", id=task["id"]
    )


async def test_the_unit_inbox_lists_new_and_in_progress_tasks(api, make_ticket, dispatch):
    first = await api.open(
        make_ticket("解放路路灯不亮", township="331199002", village=None, grid=None)
    )
    second = await api.open(
        make_ticket("东城路路灯不亮", township="331199002", village=None, grid=None)
    )
    assert first["unit_code"] == second["unit_code"] == "331199002-ZZ"
    await api.do(second, "accept", role="unit")

    response = await dispatch.client.get(
        "/v1/queues/unit",
        headers=dispatch.headers("handler", area="331199002", unit="331199002-ZZ"),
    )
    other = await dispatch.client.get(
        "/v1/queues/unit/331199002-ZZ",
        headers=dispatch.headers("handler", area="331199001", unit="331199001-ZZ"),
    )

    assert response.status_code == 200, response.text
    inbox = response.json()
    assert first["id"] in [item["id"] for item in inbox["new"]["items"]]
    assert second["id"] in [item["id"] for item in inbox["in_progress"]["items"]]
    assert second["id"] not in [item["id"] for item in inbox["new"]["items"]]
    assert other.status_code == 403


async def test_the_deadline_preview_uses_the_policy_and_the_holiday_calendar(dispatch):
    response = await dispatch.client.get(
        "/v1/sla/deadline",
        params={"start": "2026-02-13T10:00:00+08:00", "group": "city_service"},
        headers=dispatch.headers("operator"),
    )

    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["rule"] == "SLA-ORDINARY"
    # Spring Festival 2026: 13 Feb + 5 working days skips the holiday (15–23 Feb).
    assert preview["due_at"].startswith("2026-02-27T10:00:00")
    assert preview["accept_due_at"].startswith("2026-02-13T11:00:00")


async def test_a_task_the_rules_could_not_place_waits_in_the_unrouted_queue(
    api, make_ticket, dispatch
):
    task = await api.open(make_ticket(township="331199099", village=None, grid=None))

    response = await dispatch.client.get("/v1/queues/dispatcher", headers=dispatch.headers())

    assert task["unit_code"] == "331199-CC"
    assert task["routing_fallback"] is True
    queue = response.json()
    assert task["id"] in [item["id"] for item in queue["unrouted"]["items"]]
    assert queue["unrouted"]["count"] >= 1
    assert task["id"] not in [item["id"] for item in queue["returned"]["items"]]


async def test_the_task_read_carries_its_version_as_an_etag_that_if_match_accepts(
    api, make_ticket, dispatch
):
    task = await api.open(make_ticket())
    response = await dispatch.client.get(
        f"/v1/tasks/{task['id']}", headers=dispatch.headers("dispatcher")
    )
    assert response.headers["ETag"] == f'W/"{task["version"]}"'

    accepted = await api.act(
        task["id"],
        "accept",
        role="handler",
        area="331199001",
        unit="331199001-ZZ",
        headers={"If-Match": response.headers["ETag"]},
    )
    assert accepted.status_code == 200, accepted.text


async def test_two_concurrent_actions_on_one_version_apply_once_and_refuse_the_other(
    api, make_ticket
):
    task = await api.open(make_ticket())
    version = {"If-Match": str(task["version"])}

    responses = await asyncio.gather(
        api.act(task["id"], "flag", {"reason": "群众反复来电"}, role="leader", headers=version),
        api.act(task["id"], "cancel", {"reason": "other"}, headers=version),
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 412], [response.text for response in responses]
    winner = next(response.json() for response in responses if response.status_code == 200)
    # The version counts row writes (a cancel writes the row more than once), not actions.
    assert (await api.read(task["id"]))["version"] == winner["version"] > task["version"]
