"""A 12345 call dispatched as a task turns out to be a dispute: the unit converts it (转调解),
mediation registers a case with source ``task`` on the same ticket (through the real broker),
the task ends ``to_mediation`` off the unit's books, and the ticket closes when the case does,
with the caller's survey SMS."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pingan_common.county_time import COUNTY_TZ
from pingan_common.testing.services import eventually
from tests.e2e.conftest import Platform

PHONE = "13900004444"
# Reads as a street obstruction, so intake sends a task; on site it is two neighbours' quarrel.
OBSTRUCTION_CALL = {
    "channel": "hotline_12345",
    "description": "人民路12号门口有人搭了个棚子占了人行道，走路都过不去",
    "caller": {"name": "孙先生", "phone": PHONE},
    "location": {"lon": 119.75, "lat": 28.15},
}
CONVERT = {"dispute_kind": "neighbour", "reason": "现场核实：两户邻居因门前通道使用起争执"}


async def _get(service: Any, url: str, headers: dict[str, str]) -> Any:
    response = await service.client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_task_converted_by_its_unit_becomes_a_case_that_closes_the_ticket(
    platform: Platform,
):
    registered = await platform.intake.client.post(
        "/v1/tickets", json=OBSTRUCTION_CALL, headers=platform.headers("operator")
    )
    assert registered.status_code == 201, registered.text
    ticket = registered.json()
    admin = platform.headers("admin")

    async def assigned_task() -> dict[str, Any] | None:
        page = await _get(platform.dispatch, f"/v1/tasks?ticket_id={ticket['id']}", admin)
        items = [t for t in page["items"] if t["state"] == "assigned"]
        return items[0] if items else None

    task = await eventually(assigned_task)
    unit = task["unit_code"]
    handler = platform.headers("handler", area=unit.split("-")[0], unit=unit)
    detail = await _get(platform.dispatch, f"/v1/tasks/{task['id']}", handler)
    assert "convert-to-case" in detail["allowed_actions"]

    converted = await platform.dispatch.client.post(
        f"/v1/tasks/{task['id']}/convert-to-case", json=CONVERT, headers=handler
    )
    assert converted.status_code == 200, converted.text
    assert converted.json()["state"] == "to_mediation"

    async def case_of_ticket() -> dict[str, Any] | None:
        page = await _get(platform.mediation, f"/v1/cases?ticket_id={ticket['id']}", admin)
        return page["items"][0] if page["items"] else None

    case = await eventually(case_of_ticket)
    assert case["source"] == "task"
    assert case["dispute_type"] == "neighbour"

    await _run_case_to_performed(platform, case)

    async def ticket_closed() -> dict[str, Any] | None:
        view = await _get(
            platform.intake, f"/v1/tickets/{ticket['id']}", platform.headers("operator")
        )
        return view if view["status"] == "closed" else None

    view = await eventually(ticket_closed)
    steps = [entry["step"] for entry in view["timeline"]]
    assert "task_cancelled" in steps
    assert steps.index("task_cancelled") < steps.index("case_opened") < steps.index("closed")
    assert steps.index("case_closed") < steps.index("closed")
    final = await _get(platform.dispatch, f"/v1/tasks/{task['id']}", admin)
    assert final["state"] == "to_mediation"  # not reopened or closed by the ticket's closing

    assert platform.sms is not None

    async def survey_sms() -> list[dict[str, Any]] | None:
        messages = await platform.sms.messages(PHONE)  # type: ignore[union-attr]
        return [m for m in messages if "回复1满意" in m["text"]] or None

    (survey,) = await eventually(survey_sms)
    assert ticket["ticket_number"] in survey["text"]


async def _run_case_to_performed(platform: Platform, case: dict[str, Any]) -> None:
    committee = {"area": case["area_code"][:12], "unit": case["committee_code"]}

    async def act(action: str, body: dict[str, Any], who: dict[str, str]) -> dict[str, Any]:
        response = await platform.mediation.client.post(
            f"/v1/cases/{case['id']}/{action}",
            json=body,
            headers=platform.headers("mediator", **who),
        )
        assert response.status_code == 200, f"{action}: {response.text}"
        return response.json()

    staff = {**committee, "subject": "committee-staff"}
    await act("add-party", {"role": "applicant", "name": "孙先生", "phone": PHONE}, staff)
    await act("add-party", {"role": "respondent", "name": "周女士"}, staff)
    await act("accept", {}, staff)
    mediator = {**committee, "subject": (await act("assign", {}, staff))["mediator_id"]}
    starts = platform.mediation.runtime.now().astimezone(COUNTY_TZ) + timedelta(days=1)
    await act(
        "schedule-session", {"place": "社区调解室", "starts_at": starts.isoformat()}, mediator
    )
    await act(
        "record-session",
        {"outcome": "progress", "attendance": ["孙先生", "周女士"], "record": "约定通道留宽1.5米"},
        mediator,
    )
    due = (starts + timedelta(days=5)).date().isoformat()
    terms = [{"obligor_party": 2, "description": "拆除门前棚子，留出通道", "due_on": due}]
    await act("record-agreement", {"facts": "门前通道被棚子占用", "terms": terms}, mediator)
    await act("record-followup", {"term_no": 1, "performed": True, "note": "已拆除"}, mediator)
    closed = await act("close", {}, mediator)
    assert (closed["state"], closed["outcome"]) == ("closed", "performed")
