"""The grid worker's visits (走访) on the running service: the registered persons due in their
own grid with only what a visitor needs, recording a visit, lost contact (脱管) and overdue
visits as signals; every list and visit audited; another grid's persons out of reach."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from pingan_riskassess.keypersons.visits import signal_overdue_visits

GRID = "33119900100101"
OTHER_GRID = "33119900100102"
WORKER = {"area": GRID, "subject": "grid-worker-0101"}
VISIT_FIELDS = {
    "person_id",
    "ref",
    "name",
    "address",
    "area_code",
    "next_visit_due_at",
    "overdue",
    "last_visit_at",
    "lost_contact",
}


def person(name: str, area_code: str = GRID, **changes: Any) -> dict[str, Any]:
    return {
        "category": "mental_disorder",
        "name": name,
        "phone": "13900001111",
        "resident_id": "33010219850312123X",
        "address": f"城关街道人民路{len(name)}号",
        "area_code": area_code,
        "case_officer": "社区民警 吴警官",
        "guardian": "家属 王大姐",
        "risk_rating": "orange",
        "visit_interval_days": 3,
        **changes,
    }


async def register(riskassess, body: dict[str, Any]) -> dict:  # type: ignore[no-untyped-def]
    response = await riskassess.client.post(
        "/v1/key-persons", json=body, headers=riskassess.headers("analyst")
    )
    assert response.status_code == 201, response.text
    return response.json()


async def due(riskassess, claims=WORKER, **params: Any) -> list[dict]:  # type: ignore[no-untyped-def]
    return await riskassess.items(
        "/v1/key-person-visits", role="grid_worker", claims=claims, **params
    )


async def visit(riskassess, person_id: str, found: bool, claims=WORKER):  # type: ignore[no-untyped-def]
    return await riskassess.client.post(
        f"/v1/key-person-visits/{person_id}",
        json={"found": found, "notes": "上门走访，了解近况"},
        headers=riskassess.headers("grid_worker", **claims),
    )


async def audit_actions(riskassess, person_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    async with riskassess.service.runtime.transaction() as session:
        rows = await session.execute(
            text(
                "SELECT action, roles FROM key_person_audit WHERE :p = ANY(person_ids) ORDER BY id"
            ),
            {"p": person_id},
        )
        return [f"{row.action}:{','.join(row.roles)}" for row in rows]


async def test_a_grid_worker_lists_only_their_grids_visits_due_with_what_a_visitor_needs(
    riskassess,
):
    mine = await register(riskassess, person("郑某甲"))
    later = await register(riskassess, person("郑某乙", visit_interval_days=60))
    elsewhere = await register(riskassess, person("郑某丙", area_code=OTHER_GRID))
    village = await register(riskassess, person("郑某丁", area_code=GRID[:12]))

    listed = await due(riskassess)

    ids = {v["person_id"] for v in listed}
    assert mine["id"] in ids
    assert ids.isdisjoint({later["id"], elsewhere["id"], village["id"]})
    (item,) = [v for v in listed if v["person_id"] == mine["id"]]
    assert set(item) == VISIT_FIELDS
    assert (item["name"], item["address"], item["overdue"]) == (
        "郑某甲",
        "城关街道人民路3号",
        False,
    )
    for secret in ("13900001111", "33010219850312123X", "吴警官", "王大姐", "mental_disorder"):
        assert secret not in str(listed)
    assert {v["person_id"] for v in await due(riskassess, due_within_days=90)} >= {later["id"]}
    assert "visit_list:grid_worker" in await audit_actions(riskassess, mine["id"])


async def test_a_grid_worker_records_a_visit_and_the_next_one_falls_due_later(riskassess):
    registered = await register(riskassess, person("冯某甲"))

    response = await visit(riskassess, registered["id"], found=True)

    assert response.status_code == 200, response.text
    visited = response.json()
    assert set(visited) == VISIT_FIELDS
    assert visited["last_visit_at"] is not None and not visited["lost_contact"]
    assert visited["next_visit_due_at"] > registered["next_visit_due_at"]
    assert "visit:grid_worker" in await audit_actions(riskassess, registered["id"])


async def test_a_visit_that_does_not_find_the_person_is_lost_contact_on_their_alert(riskassess):
    registered = await register(riskassess, person("褚某甲"))

    response = await visit(riskassess, registered["id"], found=False)

    assert response.status_code == 200, response.text
    assert response.json()["lost_contact"] is True
    (alert,) = [
        a
        for a in await riskassess.items("/v1/alerts", role="analyst", subject_kind="key_person")
        if a["subject_ref"] == registered["ref"]
    ]
    assert (alert["level"], alert["signals"][0]["rule"]) == ("orange", "key_person_lost_contact")
    assert "褚某甲" not in str(alert)


async def test_an_overdue_visit_shows_as_overdue_and_raises_its_signal(riskassess):
    registered = await register(riskassess, person("卫某甲"))
    runtime = riskassess.service.runtime
    async with runtime.transaction() as session:
        await session.execute(
            text(
                "UPDATE key_persons SET next_visit_due_at = now() - interval '2 days' WHERE id = :i"
            ),
            {"i": registered["id"]},
        )

    (item,) = [v for v in await due(riskassess) if v["person_id"] == registered["id"]]
    await signal_overdue_visits(runtime.sessions, runtime.outbox, runtime.now())

    assert item["overdue"] is True
    (alert,) = [
        a
        for a in await riskassess.items("/v1/alerts", role="analyst", subject_kind="key_person")
        if a["subject_ref"] == registered["ref"]
    ]
    assert alert["signals"][0]["rule"] == "key_person_visit_overdue"


async def test_another_grids_worker_cannot_visit_and_grid_workers_still_cannot_read_the_registry(
    riskassess,
):
    registered = await register(riskassess, person("蒋某甲"))
    other_worker = {"area": OTHER_GRID, "subject": "grid-worker-0102"}

    refused = await visit(riskassess, registered["id"], found=True, claims=other_worker)
    registry = await riskassess.client.get(
        f"/v1/key-persons/{registered['id']}", headers=riskassess.headers("grid_worker", **WORKER)
    )
    operator = await riskassess.client.get(
        "/v1/key-person-visits", headers=riskassess.headers("operator")
    )

    assert refused.status_code == 404  # another area's: not there for them
    assert registered["id"] not in {v["person_id"] for v in await due(riskassess, other_worker)}
    assert registry.status_code == 403
    assert operator.status_code == 403
    assert await audit_actions(riskassess, registered["id"]) == ["create:analyst"]
