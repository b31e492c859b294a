"""The alert lifecycle over REST on the running service (real PostgreSQL and broker):
acknowledge → request verification → the 核查 task's finding from dispatch's events → handle
→ close, with every refusal (403 role, 403 area, 409 state with the allowed actions, 412 stale
version, 422 content) and the acknowledgement scanner on an injected instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from pingan_common.events import Category, TaskCreated, TaskCreatedData
from pingan_common.events.dispatch import TaskReplied, TaskRepliedData
from pingan_common.events.riskassess import (
    AlertAcknowledged,
    AlertClosed,
    AlertEscalated,
    AlertHandled,
    AlertVerified,
    VerificationRequested,
)
from pingan_common.testing.services import eventually
from pingan_riskassess.alerts.scanner import run_pass

THREAT = {
    "description": "老板拖欠我工资半年，今天再不给钱我就从厂房楼顶跳楼",
    "group": "extreme_threat",
    "code": "threat_self_harm",
    "label": "扬言自杀/跳楼",
    "dispositions": ("police_transfer", "risk"),
    "urgency": "urgent",
    "risk_level": "red",
}
LEADER = {"role": "leader"}
TOWNSHIP_LEADER = {"role": "leader", "area": "331199001", "unit": "331199001-ZZ"}
OTHER_LEADER = {"role": "leader", "area": "331199002", "unit": "331199002-ZZ"}


async def raised_alert(riskassess, make_ticket, **ticket: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    event = make_ticket(**(THREAT | ticket))
    await riskassess.send(event)
    (listed,) = await eventually(
        lambda: riskassess.items(
            "/v1/alerts", ticket_id=str(event.data.ticket_id), subject_kind="ticket"
        )
    )
    return await read(riskassess, listed["id"])


async def read(riskassess, alert_id: str, role: str = "analyst", **claims: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await riskassess.client.get(
        f"/v1/alerts/{alert_id}", headers=riskassess.headers(role, **claims)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def act(
    riskassess, alert_id: str, action: str, body: Any = None, *, role: str = "leader", **claims: str
):  # type: ignore[no-untyped-def]
    return await riskassess.client.post(
        f"/v1/alerts/{alert_id}/{action}",
        json=body,
        headers=riskassess.headers(role, **claims),
    )


async def do(riskassess, alert_id: str, action: str, body: Any = None, **who: str) -> dict:  # type: ignore[no-untyped-def]
    response = await act(riskassess, alert_id, action, body, **who)
    assert response.status_code == 200, response.text
    return response.json()


def verification_task(alert: dict[str, Any]) -> TaskCreated:
    task_id = uuid4()
    return TaskCreated.create(
        TaskCreatedData(
            task_id=task_id,
            ticket_id=UUID(alert["ticket_id"]),
            ticket_number=alert["ticket_number"],
            category=Category(group="public_order", code="risk_verification", label="风险核查"),
            urgency="urgent",
            area_code=alert["area_code"],
            summary="核查",
            created_at=datetime.now(UTC),
            kind="verification",
            alert_id=UUID(alert["id"]),
        ),
        subject=str(task_id),
        correlationid=alert["ticket_id"],
    )


def reply_of(task: TaskCreated, result: str) -> TaskReplied:
    data = task.data
    return TaskReplied.create(
        TaskRepliedData(
            task_id=data.task_id,
            ticket_id=data.ticket_id,
            ticket_number=data.ticket_number,
            unit_code="33119900100101-WG",
            area_code=data.area_code,
            actor="grid_worker1",
            occurred_at=datetime.now(UTC),
            result=result,
            on_time=True,
        ),
        subject=str(data.task_id),
        correlationid=str(data.ticket_id),
    )


async def test_an_alert_goes_from_raised_to_closed_with_the_verification_tasks_finding(
    riskassess, make_ticket
):
    alert = await raised_alert(riskassess, make_ticket)
    assert alert["state"] == "raised"
    assert alert["allowed_actions"] == ["acknowledge"]
    assert alert["ack_due_at"] is not None

    acknowledged = await do(riskassess, alert["id"], "acknowledge", {"note": "已知悉"})
    assert acknowledged["state"] == "acknowledged"
    assert acknowledged["acknowledged_by"]
    assert acknowledged["allowed_actions"] == ["request-verification"]
    requested = await do(
        riskassess, alert["id"], "request-verification", {"summary": "核实是否有人在楼顶"}
    )
    assert requested["state"] == "verification_requested"

    task = verification_task(alert)
    await riskassess.send(task)
    await riskassess.send(reply_of(task, "经现场核查，情况属实，当事人情绪激动，已稳控"))

    async def verified() -> dict | None:
        current = await read(riskassess, alert["id"])
        return current if current["state"] == "verified" else None

    current = await eventually(verified)
    assert current["outcome"] == "confirmed"
    assert current["verification_task_id"] == str(task.data.task_id)
    assert current["allowed_actions"] == ["handle"]
    handled = await do(
        riskassess, alert["id"], "handle", {"measures": "公安、人社联合处置，已兑付工资"}
    )
    closed = await do(riskassess, alert["id"], "close", {"reason": "工资已兑付，风险化解"})

    assert handled["state"] == "handled"
    assert closed["state"] == "closed"
    assert closed["allowed_actions"] == []
    assert [h["action"] for h in closed["history"]] == [
        "raise",
        "acknowledge",
        "request-verification",
        "verify",
        "handle",
        "close",
    ]
    events = await riskassess.published.events(alert["ticket_id"], count=6)
    assert [type(e).__name__ for e in events] == [
        "AlertRaised",
        "AlertAcknowledged",
        "VerificationRequested",
        "AlertVerified",
        "AlertHandled",
        "AlertClosed",
    ]
    by_type = {type(e): e for e in events}
    assert by_type[VerificationRequested].data.summary == "核实是否有人在楼顶"
    assert by_type[AlertVerified].data.task_id == task.data.task_id
    assert by_type[AlertVerified].data.outcome == "confirmed"
    assert by_type[AlertVerified].causationid is not None
    assert by_type[AlertAcknowledged].data.within_limit is True
    assert by_type[AlertHandled].data.measures.startswith("公安")
    assert by_type[AlertClosed].data.outcome == "confirmed"


async def test_a_false_alarm_is_closed_without_handling(riskassess, make_ticket):
    alert = await raised_alert(riskassess, make_ticket)
    await do(riskassess, alert["id"], "acknowledge")
    await do(riskassess, alert["id"], "request-verification")

    verified = await do(
        riskassess, alert["id"], "verify", {"outcome": "false_alarm", "notes": "系酒后玩笑"}
    )
    refused = await act(riskassess, alert["id"], "handle", {"measures": "已处置完毕"})
    closed = await do(riskassess, alert["id"], "close", {"reason": "误报"})

    assert verified["allowed_actions"] == ["close"]
    assert refused.status_code == 409
    assert refused.json()["allowed_actions"] == ["close"]
    assert closed["state"] == "closed"
    assert closed["outcome"] == "false_alarm"


async def test_an_unclear_finding_waits_for_the_analysts_verdict(riskassess, make_ticket):
    alert = await raised_alert(riskassess, make_ticket)
    await do(riskassess, alert["id"], "acknowledge")
    await do(riskassess, alert["id"], "request-verification")
    task = verification_task(alert)
    reply = reply_of(task, "现场核实：无聚集，已劝离")

    await riskassess.send(task)
    await riskassess.send(reply)
    await eventually(lambda: riskassess.consumed(reply.id))

    current = await read(riskassess, alert["id"])
    assert current["state"] == "verification_requested"
    assert current["verification_report"] == "现场核实：无聚集，已劝离"
    assert current["history"][-1]["action"] == "verification-reported"
    assert current["allowed_actions"] == ["verify"]


async def test_only_leaders_and_analysts_act_on_alerts(riskassess, make_ticket):
    alert = await raised_alert(riskassess, make_ticket)

    for role in ("dispatcher", "grid_worker", "operator", "handler", "mediator"):
        response = await act(riskassess, alert["id"], "acknowledge", role=role)
        assert response.status_code == 403, (role, response.text)

    assert (await read(riskassess, alert["id"]))["state"] == "raised"
    assert (await read(riskassess, alert["id"], "dispatcher"))["allowed_actions"] == []


async def test_a_leader_of_another_township_may_not_see_or_act_on_the_alert(
    riskassess, make_ticket
):
    alert = await raised_alert(riskassess, make_ticket)

    elsewhere = await act(riskassess, alert["id"], "acknowledge", **OTHER_LEADER)
    own = await act(riskassess, alert["id"], "acknowledge", **TOWNSHIP_LEADER)

    assert elsewhere.status_code == 404  # another area's: not there for them
    assert own.status_code == 200, own.text


async def test_an_action_the_state_does_not_allow_is_409_with_the_allowed_actions(
    riskassess, make_ticket
):
    alert = await raised_alert(riskassess, make_ticket)

    response = await act(riskassess, alert["id"], "request-verification")

    assert response.status_code == 409
    problem = response.json()
    assert problem["state"] == "raised"
    assert problem["allowed_actions"] == ["acknowledge"]


async def test_bad_content_is_422_and_changes_nothing(riskassess, make_ticket):
    alert = await raised_alert(riskassess, make_ticket)
    await do(riskassess, alert["id"], "acknowledge")
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()

    late = await act(riskassess, alert["id"], "request-verification", {"due_at": past})
    await do(riskassess, alert["id"], "request-verification")
    no_notes = await act(riskassess, alert["id"], "verify", {"outcome": "confirmed", "notes": ""})
    unknown = await act(riskassess, alert["id"], "verify", {"outcome": "maybe", "notes": "看看"})

    assert late.status_code == 422
    assert late.json()["errors"][0]["field"] == "body.due_at"
    assert no_notes.status_code == 422
    assert unknown.status_code == 422
    assert (await read(riskassess, alert["id"]))["state"] == "verification_requested"


async def test_acting_on_a_stale_version_is_412(riskassess, make_ticket):
    alert = await raised_alert(riskassess, make_ticket)
    stale = f'W/"{alert["version"]}"'
    await do(riskassess, alert["id"], "acknowledge")

    response = await riskassess.client.post(
        f"/v1/alerts/{alert['id']}/request-verification",
        json={},
        headers=riskassess.headers("leader") | {"If-Match": stale},
    )

    assert response.status_code == 412


async def test_an_unacknowledged_red_alert_is_escalated_once_per_deadline_up_the_hierarchy(
    riskassess, make_ticket
):
    alert = await raised_alert(riskassess, make_ticket)  # located to a grid
    due = datetime.fromisoformat(alert["ack_due_at"])
    runtime = riskassess.service.runtime

    async def escalations_at(instant: datetime) -> tuple[int, dict[str, Any]]:
        await run_pass(runtime.sessions, runtime.outbox, instant)
        current = await read(riskassess, alert["id"])
        return current["escalation_count"], current

    assert (await escalations_at(due - timedelta(seconds=1)))[0] == 0
    count, first = await escalations_at(due + timedelta(seconds=1))
    assert count == 1
    assert (await escalations_at(due + timedelta(seconds=2)))[0] == 1  # once per deadline
    assert first["escalated_area_code"] == alert["area_code"][:12]  # the village
    assert first["state"] == "raised"
    assert datetime.fromisoformat(first["ack_due_at"]) == (
        due + timedelta(seconds=1) + timedelta(minutes=15)
    )
    count, second = await escalations_at(due + timedelta(minutes=16, seconds=2))
    assert count == 2
    assert second["escalated_area_code"] == alert["area_code"][:9]  # the township
    late = await do(riskassess, alert["id"], "acknowledge")
    assert late["history"][-1]["details"]["within_limit"] is False
    escalations = [
        e
        for e in await riskassess.published.events(alert["ticket_id"], count=3)
        if isinstance(e, AlertEscalated)
    ]
    assert [e.data.escalation_count for e in escalations] == [1, 2]
    assert escalations[0].data.notify_roles == ["leader", "analyst"]


async def test_an_acknowledged_alert_is_never_escalated(riskassess, make_ticket):
    alert = await raised_alert(riskassess, make_ticket)
    await do(riskassess, alert["id"], "acknowledge")
    runtime = riskassess.service.runtime

    await run_pass(runtime.sessions, runtime.outbox, datetime.now(UTC) + timedelta(days=3))

    current = await read(riskassess, alert["id"])
    assert current["escalation_count"] == 0
    assert [h["action"] for h in current["history"]] == ["raise", "acknowledge"]
