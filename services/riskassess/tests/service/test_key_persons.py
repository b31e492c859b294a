"""The key-person registry (重点人员) on the running service: registered, read and visited by
authorised roles in their area only, every read audited; a call by a registered person raises
an alert named by the registry reference only; no unauthorised role sees key-person data on
any route of riskassess (the route list comes from the app's OpenAPI)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy import text

from pingan_common.events import AlertRaised
from pingan_common.testing.services import eventually
from pingan_riskassess.keypersons.access import AUTHORISED_ROLES
from pingan_riskassess.keypersons.identity import phone_hash
from pingan_riskassess.keypersons.visits import signal_overdue_visits

PERSON = {
    "category": "community_correction",
    "name": "钱某某",
    "phone": "+86 139-0000-5678",
    "resident_id": "33112219800101123X",
    "address": "城关街道人民路18号",
    "area_code": "331199001001",
    "case_officer": "司法所 孙警官",
    "guardian": "钱大伯",
    "risk_rating": "orange",
    "visit_interval_days": 14,
}
# What must never reach an unauthorised role: the person's data, in any form.
SECRETS = ("钱某某", "人民路18号", "孙警官", "钱大伯", "13900005678", "33112219800101123X")
UNAUTHORISED = ("operator", "dispatcher", "handler", "grid_worker", "mediator")


async def register(riskassess, body: dict[str, Any] | None = None, **headers: str) -> dict:  # type: ignore[no-untyped-def]
    response = await riskassess.client.post(
        "/v1/key-persons",
        json=body or PERSON,
        headers=riskassess.headers("analyst") | headers,
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


async def audit_rows(riskassess, person_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    async with riskassess.service.runtime.transaction() as session:
        rows = await session.execute(
            text("SELECT action FROM key_person_audit WHERE :p = ANY(person_ids) ORDER BY id"),
            {"p": person_id},
        )
        return [row.action for row in rows]


async def test_an_analyst_registers_and_reads_a_key_person_and_each_read_is_audited(riskassess):
    person = await register(riskassess, {**PERSON, "name": "赵某甲"})

    single = await riskassess.client.get(
        f"/v1/key-persons/{person['id']}", headers=riskassess.headers("leader")
    )
    listed = await riskassess.items("/v1/key-persons", role="analyst")

    assert person["ref"].startswith("KP-")
    assert person["status"] == "registered"
    assert single.status_code == 200 and single.json()["name"] == "赵某甲"
    assert person["id"] in {p["id"] for p in listed}
    assert await audit_rows(riskassess, person["id"]) == ["create", "read", "list"]


async def test_a_retried_registration_with_the_same_key_returns_the_first(riskassess):
    key = {"Idempotency-Key": "kp-retry-0001"}
    first = await register(riskassess, {**PERSON, "name": "孙某乙"}, **key)
    again = await riskassess.client.post(
        "/v1/key-persons",
        json={**PERSON, "name": "孙某乙"},
        headers=riskassess.headers("analyst") | key,
    )

    assert again.status_code == 200
    assert again.json()["id"] == first["id"]


async def test_a_leader_of_another_township_sees_no_key_person_of_this_one(riskassess):
    person = await register(riskassess)
    elsewhere = {"area": "331199002", "unit": "331199002-ZZ"}

    single = await riskassess.client.get(
        f"/v1/key-persons/{person['id']}", headers=riskassess.headers("leader", **elsewhere)
    )
    listed = await riskassess.items("/v1/key-persons", role="leader", claims=elsewhere)

    assert single.status_code == 404  # another area's: not there for them
    assert person["id"] not in {p["id"] for p in listed}


async def test_a_call_from_a_registered_key_person_raises_an_alert_named_by_reference_only(
    riskassess, make_call
):
    person = await register(riskassess, {**PERSON, "phone": "139 0000 9999", "name": "李某丙"})
    key = riskassess.service.runtime.settings.phone_hash_key
    call = make_call("我又被人欺负了，想问问怎么办", phone_hash=phone_hash("13900009999", key))

    await riskassess.send(call)

    async def raised() -> list[dict]:
        return await riskassess.items(
            "/v1/alerts", subject_kind="key_person", ticket_id=str(call.data.ticket_id)
        )

    (alert,) = await eventually(raised)
    assert alert["subject_ref"] == person["ref"]
    assert alert["level"] == "orange"  # the person's rating
    (event,) = [
        e
        for e in await riskassess.published.events(str(call.data.ticket_id))
        if isinstance(e, AlertRaised)
    ]
    payload = event.model_dump_json()
    assert person["ref"] in payload
    assert "李某丙" not in payload and "13900009999" not in payload


async def test_a_visit_that_does_not_find_the_person_is_lost_contact_an_orange_alert(riskassess):
    person = await register(riskassess, {**PERSON, "name": "周某丁", "phone": None})

    response = await riskassess.client.post(
        f"/v1/key-persons/{person['id']}/visits",
        json={"found": False, "notes": "上门两次均未见本人，家属称外出"},
        headers=riskassess.headers("analyst"),
    )

    assert response.status_code == 200, response.text
    assert response.json()["lost_contact"] is True
    (alert,) = [
        a
        for a in await riskassess.items("/v1/alerts", subject_kind="key_person")
        if a["subject_ref"] == person["ref"]
    ]
    assert alert["level"] == "orange"
    assert alert["signals"][0]["rule"] == "key_person_lost_contact"
    assert "周某丁" not in alert["summary"]


def _routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    spec = app.openapi()
    return [
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
        if path.startswith("/v1/")
    ]


async def test_no_unauthorised_role_sees_key_person_data_on_any_riskassess_route(
    riskassess, make_call
):
    person = await register(riskassess)
    key = riskassess.service.runtime.settings.phone_hash_key
    call = make_call("我想反映情况", phone_hash=phone_hash(PERSON["phone"], key))
    await riskassess.send(call)

    async def the_persons_alert() -> list[dict]:
        alerts = await riskassess.items("/v1/alerts", ticket_id=str(call.data.ticket_id))
        return [a for a in alerts if a["subject_ref"] == person["ref"]]

    (alert,) = await eventually(the_persons_alert)
    ids = {
        "person_id": person["id"],
        "alert_id": alert["id"],
        "assessment_id": str(uuid4()),
        "expert_id": "1",
        "mitigation_id": "1",
        "kind": "monthly",
        "period": "2026-11",
    }
    routes = _routes(riskassess.service.app)
    assert ("GET", "/v1/key-persons/{person_id}") in routes
    assert ("GET", "/v1/alerts/{alert_id}") in routes

    seen: dict[tuple[str, str, str], int] = {}
    for role in UNAUTHORISED:
        headers = riskassess.headers(role)
        for method, template in routes:
            path = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], template)
            response = await riskassess.client.request(method, path, json={}, headers=headers)
            body = response.text
            assert not any(secret in body for secret in SECRETS), (role, method, path, body)
            seen[(role, method, template)] = response.status_code
            if template.startswith("/v1/key-persons"):
                assert response.status_code in (401, 403), (role, method, path)

    assert set(AUTHORISED_ROLES).isdisjoint(UNAUTHORISED)
    assert len(seen) == len(UNAUTHORISED) * len(routes)


async def test_an_overdue_visit_is_a_yellow_signal_once_per_due_date(riskassess):
    person = await register(
        riskassess, {**PERSON, "name": "吴某戊", "phone": None, "risk_rating": "blue"}
    )
    due = datetime.fromisoformat(person["next_visit_due_at"])
    runtime = riskassess.service.runtime

    async def alerts_of_person() -> list[dict]:
        return [
            a
            for a in await riskassess.items("/v1/alerts", subject_kind="key_person")
            if a["subject_ref"] == person["ref"]
        ]

    await signal_overdue_visits(runtime.sessions, runtime.outbox, due - timedelta(hours=1))
    assert await alerts_of_person() == []
    await signal_overdue_visits(runtime.sessions, runtime.outbox, due + timedelta(days=2))
    await signal_overdue_visits(runtime.sessions, runtime.outbox, due + timedelta(days=3))

    (alert,) = await alerts_of_person()
    assert alert["level"] == "yellow"
    assert [s["rule"] for s in alert["signals"]] == ["key_person_visit_overdue"]
    assert "吴某戊" not in alert["summary"]
    history = (
        await riskassess.client.get(
            f"/v1/alerts/{alert['id']}", headers=riskassess.headers("analyst")
        )
    ).json()["history"]
    assert [h["action"] for h in history] == ["raise"]  # the second pass added nothing
