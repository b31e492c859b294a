"""Mitigation tracking after the decision: planned → in progress → done, the overdue scanner
on an injected instant (once per mitigation), the overdue list, and the refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pingan_riskassess.assessments.mitigations import mark_overdue
from services.riskassess.tests.service.assessment_steps import (
    concluded,
    decide,
    mitigation,
    post,
)


async def decided_with_mitigation(riskassess, due_in_days: int = 30) -> dict:  # type: ignore[no-untyped-def]
    assessment = await concluded(riskassess, "medium")
    due = (datetime.now(UTC).date() + timedelta(days=due_in_days)).isoformat()
    added = await mitigation(riskassess, assessment, due)
    assert added.status_code == 200, added.text
    decided = await decide(riskassess, assessment, "proceed_with_mitigations")
    assert decided.status_code == 200, decided.text
    return decided.json()["mitigations"][0]


async def test_a_mitigation_moves_from_planned_through_in_progress_to_done(riskassess):
    planned = await decided_with_mitigation(riskassess)
    path = f"/v1/mitigations/{planned['id']}"

    shown = await riskassess.client.get(path, headers=riskassess.headers("analyst"))
    started = await post(riskassess, f"{path}/start", {"notes": "已成立工作专班"})
    done = await post(riskassess, f"{path}/complete", {"notes": "接待点已设立并运行"})
    again = await post(riskassess, f"{path}/complete", {"notes": "再次"})

    assert planned["state"] == "planned"
    assert shown.json()["allowed_actions"] == ["start", "complete"]
    assert started.json()["state"] == "in_progress"
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "done"
    assert done.json()["done"] is True
    assert again.status_code == 409
    events = await riskassess.scalar(
        "SELECT array_agg(event_type ORDER BY id) FROM outbox WHERE payload->>'subject' = :id",
        id=str(planned["id"]),
    )
    assert events == [
        "pingan.riskassess.mitigation.planned.v1",
        "pingan.riskassess.mitigation.started.v1",
        "pingan.riskassess.mitigation.completed.v1",
    ]
    late = await riskassess.scalar(
        "SELECT payload->'data'->>'late' FROM outbox WHERE event_type = :t"
        " AND payload->>'subject' = :id",
        t="pingan.riskassess.mitigation.completed.v1",
        id=str(planned["id"]),
    )
    assert late == "false"


async def test_the_scanner_marks_a_mitigation_overdue_once_after_its_due_date(riskassess):
    planned = await decided_with_mitigation(riskassess, due_in_days=3)
    runtime = riskassess.service.runtime
    due_day_evening = datetime.now(UTC) + timedelta(days=3)
    four_days_on = datetime.now(UTC) + timedelta(days=5)

    await mark_overdue(runtime.sessions, runtime.outbox, due_day_evening - timedelta(days=1))
    before = await riskassess.scalar(
        "SELECT state FROM mitigations WHERE id = :id", id=planned["id"]
    )
    await mark_overdue(runtime.sessions, runtime.outbox, four_days_on)
    await mark_overdue(runtime.sessions, runtime.outbox, four_days_on + timedelta(hours=1))

    assert before == "planned"
    after = await riskassess.scalar(
        "SELECT state FROM mitigations WHERE id = :id", id=planned["id"]
    )
    assert after == "overdue"
    overdue_events = await riskassess.scalar(
        "SELECT count(*) FROM outbox WHERE event_type = :t AND payload->>'subject' = :id",
        t="pingan.riskassess.mitigation.overdue.v1",
        id=str(planned["id"]),
    )
    assert overdue_events == 1
    listed = await riskassess.items("/v1/mitigations", state="overdue")
    assert planned["id"] in [m["id"] for m in listed]
    elsewhere = await riskassess.client.get(
        "/v1/mitigations",
        params={"state": "overdue"},
        headers=riskassess.headers("analyst", area="331199002"),
    )
    assert planned["id"] not in [m["id"] for m in elsewhere.json()["items"]]
    day = datetime.now(UTC).date().isoformat()
    measures = await riskassess.client.get(
        "/v1/analysis/measures", params={"from": day, "to": day}, headers=riskassess.headers()
    )
    assert measures.json()["mitigations_by_state"]["overdue"] >= 1
    assert measures.json()["conclusions"]["medium"] >= 1
    assert measures.json()["decisions"]["proceed_with_mitigations"] >= 1
    # Done late: still done, and the event says it was late.
    done = await post(
        riskassess, f"/v1/mitigations/{planned['id']}/complete", {"notes": "补办完成"}
    )
    assert done.json()["state"] == "done"
    late = await riskassess.scalar(
        "SELECT payload->'data'->>'late' FROM outbox WHERE event_type = :t"
        " AND payload->>'subject' = :id",
        t="pingan.riskassess.mitigation.completed.v1",
        id=str(planned["id"]),
    )
    assert late == "true"


async def test_mitigation_steps_are_refused_by_role_area_and_content(riskassess):
    planned = await decided_with_mitigation(riskassess)
    path = f"/v1/mitigations/{planned['id']}"

    operator = await post(riskassess, f"{path}/start", {}, role="operator")
    leader = await post(riskassess, f"{path}/start", {}, role="leader")
    elsewhere = await post(riskassess, f"{path}/start", {}, area="331199002")
    no_notes = await post(riskassess, f"{path}/complete", {})
    unknown = await post(riskassess, "/v1/mitigations/999999999/start", {})

    assert operator.status_code == 403
    assert leader.status_code == 403
    assert elsewhere.status_code == 404  # another area's: not there for them
    assert no_notes.status_code == 422
    assert unknown.status_code == 404
    state = await riskassess.scalar(
        "SELECT state FROM mitigations WHERE id = :id", id=planned["id"]
    )
    assert state == "planned"
