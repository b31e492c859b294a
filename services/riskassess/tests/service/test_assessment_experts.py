"""The expert pool on the running service: a conflicted expert is never drawn, the draw is
recorded with its seed and can be replayed from the history, scores and hearings are taken
only while the matter is open, with the refusals (role, state, area, content)."""

from __future__ import annotations

from uuid import UUID

from pingan_riskassess.assessments.experts import Candidate, draw
from services.riskassess.tests.service.assessment_steps import (
    SCORES,
    concluded,
    expert,
    hearing,
    post,
    put,
    registered,
)


async def test_conflicted_experts_are_never_drawn_and_the_draw_replays_from_its_history(
    riskassess,
):
    assessment = await registered(riskassess, parties=["青山水泥厂", "河口村村民委员会"])
    employee = await expert(riskassess, "张工", organisation="青山水泥厂")
    shareholder = await expert(riskassess, "王教授", interests=["河口村村民委员会"])
    declared = await expert(riskassess, "赵律师", conflict_assessment_ids=[assessment["id"]])
    free = await expert(riskassess, "钱研究员", organisation="市社科院")
    conflicted = {employee["id"], shareholder["id"], declared["id"]}

    response = await post(
        riskassess, f"/v1/assessments/{assessment['id']}/experts/draw", {"count": 15}
    )

    assert response.status_code == 200, response.text
    drawn = response.json()
    assert not conflicted & set(drawn["drawn"])
    assert conflicted <= set(drawn["excluded"])
    assert free["id"] in drawn["drawn"]
    assert [e["position"] for e in drawn["experts"]] == list(range(1, len(drawn["drawn"]) + 1))
    # The audit: the history keeps the seed and the eligible pool; replaying gives the same.
    details = await riskassess.scalar(
        "SELECT details FROM assessment_history WHERE assessment_id = :id"
        " AND action = 'draw_experts'",
        id=assessment["id"],
    )
    replay = draw(
        [Candidate(i, f"org{i}", ()) for i in details["eligible"]],
        assessment_id=UUID(assessment["id"]),
        parties=[],
        count=details["count"],
        seed=details["seed"],
    )
    assert details["seed"] == drawn["seed"]
    assert replay.drawn == drawn["drawn"]
    event = await riskassess.scalar(
        "SELECT payload->'data' FROM outbox WHERE event_type = :t AND payload->>'subject' = :id",
        t="pingan.riskassess.assessment.experts_drawn.v1",
        id=assessment["id"],
    )
    assert event["expert_ids"] == drawn["drawn"]
    assert "张工" not in str(event)  # experts by pool id only


async def test_the_same_seed_draws_the_same_experts_for_two_matters_with_the_same_pool(
    riskassess,
):
    for n in range(4):
        await expert(riskassess, f"复核专家{n}", organisation=f"复核单位{n}")
    first = await registered(riskassess)
    second = await registered(riskassess)

    a = await post(
        riskassess, f"/v1/assessments/{first['id']}/experts/draw", {"count": 3, "seed": "qs-2026"}
    )
    b = await post(
        riskassess, f"/v1/assessments/{second['id']}/experts/draw", {"count": 3, "seed": "qs-2026"}
    )

    assert a.json()["eligible"] == b.json()["eligible"]
    assert a.json()["drawn"] == b.json()["drawn"]


async def test_scores_and_hearings_are_refused_by_role_area_state_and_content(riskassess):
    await expert(riskassess, "孙专家", organisation="孙氏事务所")
    assessment = await registered(riskassess)
    path = f"/v1/assessments/{assessment['id']}"
    drawn = await post(riskassess, f"{path}/experts/draw", {"count": 1})
    (expert_id,) = drawn.json()["drawn"]
    undrawn = await expert(riskassess, "未抽中专家", organisation="别处")

    by_leader = await post(riskassess, f"{path}/experts/draw", {"count": 1}, role="leader")
    by_grid_worker = await post(riskassess, "/v1/experts", {"name": "某某"}, role="grid_worker")
    elsewhere = await put(
        riskassess, f"{path}/experts/{expert_id}/scores", SCORES, area="331199002"
    )
    not_drawn = await put(riskassess, f"{path}/experts/{undrawn['id']}/scores", SCORES)
    out_of_range = await put(
        riskassess, f"{path}/experts/{expert_id}/scores", SCORES | {"feasibility": 120}
    )
    crowded = await hearing(riskassess, assessment, "symposium", 10, 9, 5)
    scored = await put(riskassess, f"{path}/experts/{expert_id}/scores", SCORES)

    assert by_leader.status_code == 403
    assert by_grid_worker.status_code == 403
    assert elsewhere.status_code == 404  # another area's: not there for them
    assert not_drawn.status_code == 404
    assert out_of_range.status_code == 422
    assert crowded.status_code == 422
    assert scored.status_code == 200


async def test_a_concluded_matter_takes_no_more_experts_scores_or_hearings(riskassess):
    assessment = await concluded(riskassess, "low")
    path = f"/v1/assessments/{assessment['id']}"
    expert_id = assessment["experts"][0]["expert_id"]

    draw_again = await post(riskassess, f"{path}/experts/draw", {"count": 1})
    rescore = await put(riskassess, f"{path}/experts/{expert_id}/scores", SCORES)
    late_hearing = await hearing(riskassess, assessment, "hearing", 30, 20, 5)

    assert draw_again.status_code == 409
    assert rescore.status_code == 409
    assert late_hearing.status_code == 409
    assert assessment["scores"]["legality"] == 90.0


async def test_a_retried_hearing_with_the_same_idempotency_key_is_recorded_once(riskassess):
    assessment = await registered(riskassess)
    body = {
        "kind": "symposium",
        "held_on": "2026-11-21",
        "attendees": 30,
        "summary": "村民代表座谈",
        "in_favour": 25,
        "against": 2,
    }
    headers = riskassess.headers("analyst") | {"Idempotency-Key": "hearing-retry-1"}
    path = f"/v1/assessments/{assessment['id']}/hearings"

    first = await riskassess.client.post(path, json=body, headers=headers)
    retry = await riskassess.client.post(path, json=body, headers=headers)
    other = await riskassess.client.post(path, json=body | {"attendees": 31}, headers=headers)

    assert first.status_code == 201, first.text
    assert retry.status_code == 200
    assert retry.json()["id"] == first.json()["id"]
    assert other.status_code == 422  # the key reused for another request
    recorded = await riskassess.scalar(
        "SELECT count(*) FROM assessment_hearings WHERE assessment_id = :id", id=assessment["id"]
    )
    events = await riskassess.scalar(
        "SELECT count(*) FROM outbox WHERE event_type = :t AND payload->>'subject' = :id",
        t="pingan.riskassess.assessment.hearing_recorded.v1",
        id=assessment["id"],
    )
    assert (recorded, events) == (1, 1)
