"""A 12345 neighbour-dispute call goes all the way: a case at the village committee, parties
added, accepted, a mediator assigned, a session held, an agreement signed and performed, the
case closed — and then the ticket is closed with the mediation's outcome and the caller gets
the survey SMS, as for any closed ticket."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pingan_common.county_time import COUNTY_TZ
from pingan_common.testing.services import eventually
from tests.e2e.conftest import Platform

PHONE = "13900003333"
DISPUTE_CALL = {
    "channel": "hotline_12345",
    "description": "楼上邻居家漏水把我家天花板泡坏了，找他几次都不管，想请社区调解",
    "caller": {"name": "赵女士", "phone": PHONE},
    "location": {"lon": 119.75, "lat": 28.15},
}


async def _case_of(platform: Platform, ticket_id: str) -> dict[str, Any] | None:
    response = await platform.mediation.client.get(
        f"/v1/cases?ticket_id={ticket_id}", headers=platform.headers("admin")
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    return items[0] if items else None


async def test_a_12345_dispute_ends_as_a_performed_agreement_a_closed_ticket_and_a_survey(
    platform: Platform,
):
    registered = await platform.intake.client.post(
        "/v1/tickets", json=DISPUTE_CALL, headers=platform.headers("operator")
    )
    assert registered.status_code == 201, registered.text
    ticket = registered.json()
    case = await eventually(lambda: _case_of(platform, ticket["id"]))
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
    await act("add-party", {"role": "applicant", "name": "赵女士", "phone": PHONE}, staff)
    await act("add-party", {"role": "respondent", "name": "钱先生"}, staff)
    await act("accept", {}, staff)
    mediator = {**committee, "subject": (await act("assign", {}, staff))["mediator_id"]}
    starts = (await _now(platform)) + timedelta(days=1)
    await act(
        "schedule-session", {"place": "社区调解室", "starts_at": starts.isoformat()}, mediator
    )
    await act(
        "record-session",
        {"outcome": "progress", "attendance": ["赵女士", "钱先生"], "record": "双方同意赔偿"},
        mediator,
    )
    due = (starts + timedelta(days=10)).date().isoformat()
    terms = [
        {"obligor_party": 2, "description": "赔偿天花板修复费", "amount": "3000", "due_on": due}
    ]
    await act("record-agreement", {"facts": "楼上漏水致楼下天花板损坏", "terms": terms}, mediator)
    await act("record-followup", {"term_no": 1, "performed": True, "note": "已付款"}, mediator)
    closed = await act("close", {}, mediator)
    assert (closed["state"], closed["outcome"]) == ("closed", "performed")

    async def ticket_closed() -> dict[str, Any] | None:
        response = await platform.intake.client.get(
            f"/v1/tickets/{ticket['id']}", headers=platform.headers("operator")
        )
        view = response.json()
        return view if view["status"] == "closed" else None

    view = await eventually(ticket_closed)
    steps = [entry["step"] for entry in view["timeline"]]
    assert steps.index("case_opened") < steps.index("case_agreement_reached")
    assert (
        steps.index("case_agreement_reached") < steps.index("case_closed") < steps.index("closed")
    )

    assert platform.sms is not None

    async def survey_sms() -> list[dict[str, Any]] | None:
        messages = await platform.sms.messages(PHONE)  # type: ignore[union-attr]
        found = [m for m in messages if "回复1满意" in m["text"]]
        return found or None

    (survey,) = await eventually(survey_sms)
    assert ticket["ticket_number"] in survey["text"]


async def _now(platform: Platform):  # type: ignore[no-untyped-def]
    return platform.mediation.runtime.now().astimezone(COUNTY_TZ)
