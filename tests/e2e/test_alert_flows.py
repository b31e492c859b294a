"""A risk alert's lifecycle across the services, through the real broker: the leader on duty
acknowledges it in notify's inbox and the alert moves in riskassess; a verification request
opens a 核查 task in dispatch, and the grid worker's finding confirms the alert."""

from __future__ import annotations

from typing import Any

from pingan_common.testing.services import eventually
from tests.e2e.conftest import Platform


def threat_call(phone: str) -> dict[str, Any]:
    return {
        "channel": "hotline_12345",
        "description": "老板拖欠我工资半年，今天再不给钱我就从厂房楼顶跳楼",
        "caller": {"phone": phone},
        "location": {"address": "城关街道人民路"},
    }


async def _json(response) -> Any:  # type: ignore[no-untyped-def]
    assert response.status_code in (200, 201), response.text
    return response.json()


async def _raised_alert(platform: Platform, phone: str) -> dict[str, Any]:
    ticket = await _json(
        await platform.intake.client.post(
            "/v1/tickets", json=threat_call(phone), headers=platform.headers("operator")
        )
    )

    async def listed() -> list[dict[str, Any]]:
        page = await _json(
            await platform.riskassess.client.get(
                f"/v1/alerts?ticket_id={ticket['id']}", headers=platform.headers("analyst")
            )
        )
        return page["items"]

    (alert,) = await eventually(listed)
    return alert


async def _alert(platform: Platform, alert_id: str) -> dict[str, Any]:
    return await _json(
        await platform.riskassess.client.get(
            f"/v1/alerts/{alert_id}", headers=platform.headers("analyst")
        )
    )


async def test_acknowledging_in_notifys_inbox_acknowledges_the_alert_in_riskassess(
    platform: Platform,
):
    alert = await _raised_alert(platform, "13700003333")

    async def leader_item() -> tuple[dict[str, Any], dict[str, str], str] | None:
        deliveries = (
            await _json(
                await platform.notify.client.get(
                    f"/v1/deliveries?correlation_id={alert['ticket_id']}&channel=in_app",
                    headers=platform.headers("leader"),
                )
            )
        )["items"]
        for user_id in {d["recipient"] for d in deliveries if d["recipient_kind"] == "user"}:
            staff = await _json(
                await platform.dispatch.client.get(
                    f"/v1/directory/staff/{user_id}", headers=platform.headers("dispatcher")
                )
            )
            if "leader" not in staff["roles"]:
                continue
            token = platform.stack.auth.token(
                "leader", subject=user_id, area=staff["area_code"], unit=staff["unit_code"]
            )
            headers = {"Authorization": f"Bearer {token}"}
            inbox = await _json(
                await platform.notify.client.get(
                    f"/v1/inbox?ticket_id={alert['ticket_id']}", headers=headers
                )
            )
            items = [i for i in inbox["items"] if i["requires_ack"]]
            if items:
                return items[0], headers, user_id
        return None

    item, headers, leader_id = await eventually(leader_item)
    acknowledged = await _json(
        await platform.notify.client.post(f"/v1/inbox/{item['id']}/acknowledge", headers=headers)
    )

    assert acknowledged["acknowledged_at"] is not None
    current = await _alert(platform, alert["id"])
    assert current["state"] == "acknowledged"
    assert current["history"][-1]["action"] == "acknowledge"
    assert current["acknowledged_by"] == leader_id  # as the user, not as notify


async def test_a_verification_task_in_dispatch_confirms_the_alert_with_the_grid_workers_finding(
    platform: Platform,
):
    alert = await _raised_alert(platform, "13700004444")
    leader = platform.headers("leader")
    risk = platform.riskassess.client
    await _json(await risk.post(f"/v1/alerts/{alert['id']}/acknowledge", json={}, headers=leader))
    await _json(
        await risk.post(
            f"/v1/alerts/{alert['id']}/request-verification",
            json={"summary": "核实当事人是否在厂房楼顶"},
            headers=leader,
        )
    )

    async def verification_task() -> list[dict[str, Any]]:
        page = await _json(
            await platform.dispatch.client.get(
                f"/v1/tasks?alert_id={alert['id']}", headers=platform.headers("dispatcher")
            )
        )
        return page["items"]

    (task,) = await eventually(verification_task)
    assert task["kind"] == "verification"
    unit = {"area": alert["area_code"][:9], "unit": task["unit_code"]}
    worker = platform.headers("handler", **unit)
    tasks = platform.dispatch.client
    await _json(await tasks.post(f"/v1/tasks/{task['id']}/accept", json={}, headers=worker))
    await _json(
        await tasks.post(
            f"/v1/tasks/{task['id']}/reply",
            json={"result": "经现场核查，情况属实，当事人已被劝下并稳控"},
            headers=worker,
        )
    )

    async def verified() -> dict[str, Any] | None:
        current = await _alert(platform, alert["id"])
        return current if current["state"] == "verified" else None

    current = await eventually(verified)
    assert current["outcome"] == "confirmed"
    assert current["verification_task_id"] == task["id"]
    assert current["allowed_actions"] == ["handle"]
