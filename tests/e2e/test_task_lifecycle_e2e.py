"""A 12345 call to a closed task with a satisfied callback, across intake, dispatch and notify:
registered → assigned → signed for → replied → reviewed → callback 满意 → task closed → the
ticket at intake closed."""

from __future__ import annotations

from typing import Any

from pingan_common.testing.services import eventually
from tests.e2e.conftest import Platform

BROKEN_LIGHT = {
    "channel": "hotline_12345",
    "description": "人民路和解放街路口的路灯坏了好几天了，晚上很黑，请尽快修一下",
    "caller": {"name": "赵女士", "phone": "138-0013-8111"},
    "location": {"lon": 119.75, "lat": 28.15},
}


async def _task_of(platform: Platform, ticket_id: str) -> dict[str, Any] | None:
    response = await platform.dispatch.client.get(
        "/v1/tasks", params={"ticket_id": ticket_id}, headers=platform.headers("dispatcher")
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    return items[0] if items else None


async def _act(platform: Platform, task: dict, action: str, body: dict, role: str, **claims: str):  # type: ignore[no-untyped-def]
    response = await platform.dispatch.client.post(
        f"/v1/tasks/{task['id']}/{action}", json=body, headers=platform.headers(role, **claims)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _ticket(platform: Platform, ticket_id: str) -> dict[str, Any]:
    response = await platform.intake.client.get(
        f"/v1/tickets/{ticket_id}", headers=platform.headers("operator")
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_12345_ticket_ends_as_a_closed_task_and_a_closed_ticket(platform: Platform):
    registered = await platform.intake.client.post(
        "/v1/tickets", json=BROKEN_LIGHT, headers=platform.headers("operator")
    )
    assert registered.status_code == 201, registered.text
    ticket_id = registered.json()["id"]

    task = await eventually(lambda: _task_of(platform, ticket_id))
    assert task["state"] == "assigned"
    unit = {"area": task["unit_code"].split("-")[0], "unit": task["unit_code"]}

    await _act(platform, task, "accept", {}, "handler", **unit)
    await _act(platform, task, "reply", {"result": "已更换路灯，恢复照明"}, "handler", **unit)
    await _act(platform, task, "review", {"accepted": True}, "dispatcher")
    closed = await _act(
        platform, task, "callback", {"verdict": "satisfied", "resolved": True}, "operator"
    )

    assert closed["state"] == "closed"
    assert [h["action"] for h in closed["history"]] == [
        "create",
        "assign",
        "accept",
        "reply",
        "review",
        "callback",
        "close",
    ]

    async def ticket_closed() -> dict[str, Any] | None:
        ticket = await _ticket(platform, ticket_id)
        return ticket if ticket["status"] == "closed" else None

    ticket = await eventually(ticket_closed)
    steps = [entry["step"] for entry in ticket["timeline"]]
    assert steps.index("task_assigned") < steps.index("task_closed") < steps.index("closed")
