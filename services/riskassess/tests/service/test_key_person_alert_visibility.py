"""A key person's alert is for the roles that may see key-person data: dispatchers and grid
workers, who read other alerts, neither list nor open it; the verification request it sends to
dispatch says by default what the other signals found, not the registry's category."""

from __future__ import annotations

from pingan_common.events.riskassess import VerificationRequested
from pingan_common.testing.services import eventually
from pingan_riskassess.keypersons.identity import phone_hash

PERSON = {
    "category": "drug_user",
    "name": "韩某某",
    "phone": "13900007777",
    "area_code": "33119900100101",
    "case_officer": "禁毒社工",
    "risk_rating": "orange",
}
GRID_WORKER = {"area": "33119900100101"}


async def key_person_alert(riskassess, make_call, description: str) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    response = await riskassess.client.post(
        "/v1/key-persons", json=PERSON, headers=riskassess.headers("analyst")
    )
    assert response.status_code in (200, 201), response.text
    person = response.json()
    key = riskassess.service.runtime.settings.phone_hash_key
    call = make_call(description, phone_hash=phone_hash(PERSON["phone"], key))
    await riskassess.send(call)

    async def raised() -> list[dict]:
        return await riskassess.items(
            "/v1/alerts", role="analyst", ticket_id=str(call.data.ticket_id)
        )

    (alert,) = await eventually(raised)
    assert alert["subject_ref"] == person["ref"]
    return person, alert


async def test_dispatchers_and_grid_workers_neither_list_nor_open_a_key_persons_alert(
    riskassess, make_call
):
    person, alert = await key_person_alert(riskassess, make_call, "我想问问低保的事")

    for role, claims in (("dispatcher", {}), ("grid_worker", GRID_WORKER)):
        listed = await riskassess.items(
            "/v1/alerts", role=role, claims=claims, ticket_id=alert["ticket_id"]
        )
        single = await riskassess.client.get(
            f"/v1/alerts/{alert['id']}", headers=riskassess.headers(role, **claims)
        )
        assert listed == [], role
        assert single.status_code == 404, role
        assert person["ref"] not in single.text
    for role in ("analyst", "leader", "admin"):
        single = await riskassess.client.get(
            f"/v1/alerts/{alert['id']}", headers=riskassess.headers(role)
        )
        assert single.status_code == 200 and single.json()["subject_ref"] == person["ref"]


async def test_a_verification_request_by_default_names_no_key_person_evidence(
    riskassess, make_call
):
    _, alert = await key_person_alert(riskassess, make_call, "我想问问怎么办理居住证")
    headers = riskassess.headers("leader")
    for action in ("acknowledge", "request-verification"):
        response = await riskassess.client.post(
            f"/v1/alerts/{alert['id']}/{action}", json={}, headers=headers
        )
        assert response.status_code == 200, response.text

    async def published() -> list[VerificationRequested]:
        events = await riskassess.published.events(alert["ticket_id"], count=3)
        return [e for e in events if isinstance(e, VerificationRequested)]

    (requested,) = await eventually(published)
    assert "吸毒" not in requested.data.summary
    assert requested.data.summary == "请现场核查预警所述情况"
