"""A ticket posted at intake flows through all five services, and its timeline says so."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from pingan_common.testing.services import eventually
from tests.e2e.conftest import Platform

STREET_LIGHT = {
    "channel": "hotline_12345",
    "description": "人民路和解放街路口的路灯坏了一个星期了，晚上很黑",
    "caller": {"name": "王女士", "phone": "138-0013-8000"},
    "location": {"lon": 119.75, "lat": 28.15},
}
NEIGHBOUR_DISPUTE = {
    "channel": "hotline_12345",
    "description": "隔壁邻居装修把我家墙弄裂了，谈了几次谈不拢，想请社区调解",
    "caller": {"name": "李先生", "phone": "13900001111"},
    "location": {"lon": 119.75, "lat": 28.15},
}
THREAT = {
    "channel": "hotline_12345",
    "description": "老板拖欠我工资半年，今天再不给钱我就从厂房楼顶跳楼",
    "caller": {"phone": "13700002222"},
    "location": {"address": "城关街道人民路"},
}


async def _register(platform: Platform, body: dict[str, Any]) -> dict[str, Any]:
    response = await platform.intake.client.post(
        "/v1/tickets", json=body, headers=platform.headers("operator")
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _timeline_steps(platform: Platform, ticket_id: str) -> list[str]:
    response = await platform.intake.client.get(
        f"/v1/tickets/{ticket_id}", headers=platform.headers("operator")
    )
    assert response.status_code == 200, response.text
    return [entry["step"] for entry in response.json()["timeline"]]


async def _items(service, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    response = await service.client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_street_light_complaint_ends_as_an_assigned_task_with_a_delivery(platform: Platform):
    ticket = await _register(platform, STREET_LIGHT)
    assert ticket["category"]["group"] == "city_service"
    assert ticket["location"]["township_code"] == "331199001"

    dispatcher = platform.headers("dispatcher")
    tasks = await eventually(
        lambda: _items(platform.dispatch, f"/v1/tasks?ticket_id={ticket['id']}", dispatcher)
    )
    assert len(tasks) == 1
    assert tasks[0]["state"] == "assigned"
    assert tasks[0]["unit_code"] == "331199001-ZZ"
    assert tasks[0]["rule_id"] == "R-CITY-TOWNSHIP"

    deliveries = await eventually(
        lambda: _items(
            platform.notify,
            f"/v1/deliveries?correlation_id={ticket['id']}&channel=in_app",
            dispatcher,
        )
    )
    assert [d["recipient"] for d in deliveries] == ["331199001-ZZ"]

    steps = await eventually(lambda: _steps_including(platform, ticket["id"], "notified"))
    assert steps[:3] == ["registered", "task_created", "task_assigned"]
    final = await platform.intake.client.get(
        f"/v1/tickets/{ticket['ticket_number']}", headers=platform.headers("operator")
    )
    assert final.json()["status"] == "dispatched"


async def test_neighbour_dispute_ends_as_an_open_mediation_case(platform: Platform):
    ticket = await _register(platform, NEIGHBOUR_DISPUTE)
    assert ticket["category"]["group"] == "dispute"

    cases = await eventually(
        lambda: _items(
            platform.mediation,
            f"/v1/cases?ticket_id={ticket['id']}",
            platform.headers("mediator", area="331199"),
        )
    )
    assert len(cases) == 1
    assert cases[0]["state"] == "registered"
    assert cases[0]["committee_code"].endswith("-TWH")
    assert cases[0]["committee_code"].startswith(ticket["location"]["village_code"])

    steps = await eventually(lambda: _steps_including(platform, ticket["id"], "notified"))
    assert "case_opened" in steps
    tasks = await _items(
        platform.dispatch, f"/v1/tasks?ticket_id={ticket['id']}", platform.headers("dispatcher")
    )
    assert tasks == [], "a plain neighbour dispute needs mediation, not a task"


async def test_threat_ends_as_a_red_or_orange_alert_that_reaches_the_leader(platform: Platform):
    ticket = await _register(platform, THREAT)
    assert ticket["category"]["group"] == "extreme_threat"

    alerts = await eventually(
        lambda: _items(
            platform.riskassess, f"/v1/alerts?ticket_id={ticket['id']}", platform.headers("analyst")
        )
    )
    assert len(alerts) == 1
    assert alerts[0]["level"] in ("red", "orange")
    assert "leader" in alerts[0]["notify_roles"]

    steps = await eventually(lambda: _steps_including(platform, ticket["id"], "alert_raised"))
    assert steps[0] == "registered"
    deliveries = await eventually(lambda: _alert_deliveries(platform, ticket["id"]))
    assert all(d["title"].startswith(("红色预警", "橙色预警")) for d in deliveries)
    recipients = {d["recipient"] for d in deliveries if d["recipient_kind"] == "user"}
    roles = [await _staff_roles(platform, user_id) for user_id in recipients]
    assert "leader" in {role for staff_roles in roles for role in staff_roles}


async def _steps_including(platform: Platform, ticket_id: str, step: str) -> list[str] | None:
    steps = await _timeline_steps(platform, ticket_id)
    return steps if step in steps else None


async def _alert_deliveries(platform: Platform, ticket_id: str) -> list[dict[str, Any]]:
    """The in-app warnings of the ticket's alert, once one has reached a person on duty."""
    items = await _items(
        platform.notify,
        f"/v1/deliveries?correlation_id={ticket_id}&channel=in_app",
        platform.headers("leader"),
    )
    warnings = [d for d in items if d["trigger_type"].startswith("pingan.riskassess.alert.")]
    return warnings if any(d["recipient_kind"] == "user" for d in warnings) else []


async def _staff_roles(platform: Platform, user_id: str) -> list[str]:
    response = await platform.dispatch.client.get(
        f"/v1/directory/staff/{user_id}", headers=platform.headers("dispatcher")
    )
    assert response.status_code == 200, response.text
    return response.json()["roles"]


async def test_the_callers_trace_context_follows_the_ticket_through_every_service(
    platform: Platform,
):
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    headers = {**platform.headers("operator"), "traceparent": traceparent}
    response = await platform.intake.client.post("/v1/tickets", json=STREET_LIGHT, headers=headers)
    assert response.status_code == 201, response.text
    ticket_id = response.json()["id"]

    async def traceparents(service) -> list[str] | None:  # type: ignore[no-untyped-def]
        async with service.runtime.transaction() as session:
            rows = await session.execute(
                text(
                    "SELECT payload->>'traceparent' FROM outbox"
                    " WHERE payload->>'correlationid' = :ticket"
                ),
                {"ticket": ticket_id},
            )
            found = [row[0] for row in rows]
        return found or None

    assert await traceparents(platform.intake) == [traceparent]
    dispatched = await eventually(lambda: traceparents(platform.dispatch))
    assert dispatched == [traceparent, traceparent]  # task.created and task.assigned
    notified = await eventually(lambda: traceparents(platform.notify))
    assert set(notified) == {traceparent}
