"""A mediation session scheduled on a case with two parties, one of whom gave a phone: notify
texts exactly that party, with the case number and the time, at the number it reads from
mediation's party-contact route over HTTP when it sends — and the party without a phone gets
nothing. Through the real broker, the real apps and the SMS gateway simulator."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy import text

from pingan_common.county_time import COUNTY_TZ
from pingan_common.testing.services import eventually
from tests.e2e.conftest import Platform

PHONE = "13900007788"
MEDIATOR1 = {"subject": "mediator1", "area": "331199001001", "unit": "331199001001-TWH"}
WALK_IN = {
    "source": "walk_in",
    "dispute_kind": "neighbour",
    "area_code": "331199001001",
    "amount": "2000",
    "people_involved": 2,
    "parties": [
        {"role": "applicant", "name": "孙女士", "phone": PHONE},
        {"role": "respondent", "name": "周先生"},
    ],
}


async def test_a_scheduled_session_texts_the_party_with_a_phone_and_no_one_else(
    platform: Platform,
):
    headers = platform.headers("mediator", **MEDIATOR1)
    body = {**WALK_IN, "description": f"邻居在公共楼道堆放杂物，协商未果 {uuid4().hex[:6]}"}
    registered = await platform.mediation.client.post("/v1/cases", json=body, headers=headers)
    assert registered.status_code == 201, registered.text
    case = registered.json()

    async def act(action: str, payload: dict[str, Any]) -> dict[str, Any]:
        response = await platform.mediation.client.post(
            f"/v1/cases/{case['id']}/{action}", json=payload, headers=headers
        )
        assert response.status_code == 200, f"{action}: {response.text}"
        return response.json()

    await act("accept", {})
    await act("assign", {})
    starts = (platform.mediation.runtime.now() + timedelta(days=2)).astimezone(COUNTY_TZ)
    starts = starts.replace(hour=9, minute=30, second=0, microsecond=0)
    await act("schedule-session", {"place": "幸福社区调解室", "starts_at": starts.isoformat()})

    assert platform.sms is not None
    sms = platform.sms

    async def session_notices() -> list[dict[str, Any]] | None:
        found = [m for m in await sms.messages() if case["case_number"] in m["text"]]
        return found or None

    (notice,) = await eventually(session_notices)
    assert notice["to"] == PHONE
    assert f"{starts:%Y-%m-%d %H:%M}" in notice["text"]
    assert "幸福社区调解室" in notice["text"]
    assert "周先生" not in notice["text"] and "孙女士" not in notice["text"]

    sms_deliveries = await _session_sms(platform)
    mine = [d for d in sms_deliveries if d["recipient"].endswith(f"#party:{case['id']}")]
    assert [d["recipient"] for d in mine] == [
        f"当事人{case['parties'][0]['ref']}#party:{case['id']}"
    ]
    assert PHONE not in str(mine)
    purposes = await _contact_reads(platform, case["id"])
    assert purposes.count("session_notice_sms") == 1  # notify's read, audited by mediation


async def _session_sms(platform: Platform) -> list[dict[str, Any]]:
    response = await platform.notify.client.get(
        "/v1/deliveries",
        params={
            "channel": "sms",
            "trigger_type": "pingan.mediation.case.session_scheduled.v1",
            "limit": 100,
        },
        headers=platform.headers("admin", area="331199", unit="331199-CC"),
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def _contact_reads(platform: Platform, case_id: str) -> list[str]:
    async with platform.mediation.runtime.transaction() as session:
        rows = await session.execute(
            text("SELECT purpose FROM contact_reads WHERE case_id = :id"), {"id": case_id}
        )
        return [row.purpose for row in rows]
