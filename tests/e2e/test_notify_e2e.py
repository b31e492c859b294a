"""Notify end to end: the live stream shows a new task within a second of its assignment, and
the citizen's survey loop closes from the SMS reply to dispatch's callback.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

import httpx

from pingan_common.testing.services import eventually
from pingan_common.testing.sms_gateway import SMS_CALLBACK_TOKEN
from pingan_common.testing.stream import SseClient
from tests.e2e.conftest import Platform

TOWNSHIP_HANDLER = {"area": "331199001", "unit": "331199001-ZZ"}


def street_light(phone: str, lon: float, lat: float) -> dict[str, Any]:
    """Each ticket at its own place in 城关街道: within 300 m they would be merged (并单)."""
    return {
        "channel": "hotline_12345",
        "description": "这里的路灯坏了一个星期了，晚上很黑",
        "caller": {"name": "王女士", "phone": phone},
        "location": {"lon": lon, "lat": lat},
    }


async def _register(platform: Platform, body: dict[str, Any]) -> dict[str, Any]:
    response = await platform.intake.client.post(
        "/v1/tickets", json=body, headers=platform.headers("operator")
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _task_of(platform: Platform, ticket_id: str) -> dict[str, Any] | None:
    response = await platform.dispatch.client.get(
        "/v1/tasks", params={"ticket_id": ticket_id}, headers=platform.headers("dispatcher")
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    return items[0] if items and items[0]["state"] != "created" else None


async def test_the_live_stream_shows_a_new_task_within_a_second_of_its_assignment(
    platform: Platform,
):
    token = platform.stack.auth.token("handler", **TOWNSHIP_HANDLER)
    async with SseClient(platform.urls["notify"], token) as stream:
        # A first ticket warms the pipeline (consumer groups settle just after start-up).
        await _register(platform, street_light("13700003000", 119.744, 28.138))
        await stream.next(within=20)
        posted = time.time()
        ticket = await _register(platform, street_light("13700003001", 119.744, 28.162))
        event = await stream.next(within=5)
        received = time.time()

    item = json.loads(event.data)
    task = await eventually(lambda: _task_of(platform, ticket["id"]))
    assigned_at = datetime.fromisoformat(task["assigned_at"]).timestamp()
    assert item["kind"] == "task.assigned"
    assert item["ticket_id"] == ticket["id"]
    assert received - assigned_at < 1.0, f"{received - assigned_at:.3f}s after assignment"
    assert received - posted < 2.0, f"{received - posted:.3f}s after the POST"


async def test_the_survey_answer_by_sms_becomes_the_task_callback(platform: Platform):
    sms = platform.sms
    assert sms is not None
    await sms.control(
        inbound_callback_url=f"{platform.urls['notify']}/v1/sms/inbound?token={SMS_CALLBACK_TOKEN}"
    )
    phone = "13700003002"
    ticket = await _register(platform, street_light(phone, 119.738, 28.144))
    (receipt,) = await eventually(lambda: sms.messages(phone))
    assert ticket["ticket_number"] in receipt["text"]

    task = await eventually(lambda: _task_of(platform, ticket["id"]))
    handler = platform.headers("handler", **TOWNSHIP_HANDLER)
    for action, body in (("accept", {}), ("reply", {"result": "已更换路灯灯泡，恢复照明"})):
        done = await platform.dispatch.client.post(
            f"/v1/tasks/{task['id']}/{action}", json=body, headers=handler
        )
        assert done.status_code == 200, done.text
    survey = await eventually(lambda: _messages(sms, phone, 2))
    assert "回复1满意，2基本满意，3不满意" in survey[-1]["text"]
    reviewed = await platform.dispatch.client.post(
        f"/v1/tasks/{task['id']}/review",
        json={"accepted": True},
        headers=platform.headers("dispatcher"),
    )
    assert reviewed.status_code == 200, reviewed.text

    async with httpx.AsyncClient(base_url=sms.base_url) as client:
        forwarded = await client.post("/control/inbound", json={"from": phone, "text": "1"})
    assert forwarded.json()["status_code"] == 200, forwarded.text

    async def callback_recorded():  # type: ignore[no-untyped-def]
        response = await platform.dispatch.client.get(
            f"/v1/tasks/{task['id']}", headers=platform.headers("dispatcher")
        )
        detail = response.json()
        return detail if detail.get("callback_verdict") else None

    detail = await eventually(callback_recorded)
    assert detail["callback_verdict"] == "satisfied"
    thanks = await eventually(lambda: _messages(sms, phone, 3))
    assert thanks[-1]["template_code"] == "SMS_900003"


async def _messages(sms, phone: str, count: int):  # type: ignore[no-untyped-def]
    messages = await sms.messages(phone)
    return messages if len(messages) >= count else None
