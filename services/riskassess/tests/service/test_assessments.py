"""Stability assessments on the running service: register, mitigations, conclude, and the
decision gate both ways, with the events on riskassess.assessments.v1 and every refusal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

MATTER = {
    "title": "城东片区征地拆迁项目",
    "matter_kind": "land_expropriation",
    "area_code": "331199001",
    "procedure": "normal",
    "affected_population": 1200,
}
SCORES = {"legality": 90, "reasonableness": 80, "feasibility": 85, "controllability": 75}
TOMORROW = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()


async def post(riskassess, path: str, body: Any, role: str = "analyst", **claims: str):  # type: ignore[no-untyped-def]
    return await riskassess.client.post(path, json=body, headers=riskassess.headers(role, **claims))


async def registered(riskassess, **changes: Any) -> dict:  # type: ignore[no-untyped-def]
    response = await post(riskassess, "/v1/assessments", MATTER | changes)
    assert response.status_code == 201, response.text
    return response.json()


async def concluded(riskassess, conclusion: str) -> dict:  # type: ignore[no-untyped-def]
    assessment = await registered(riskassess)
    response = await post(
        riskassess,
        f"/v1/assessments/{assessment['id']}/conclude",
        {"conclusion": conclusion, "scores": SCORES},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def decide(riskassess, assessment: dict, decision: str):  # type: ignore[no-untyped-def]
    return await post(
        riskassess,
        f"/v1/assessments/{assessment['id']}/decide",
        {"decision": decision, "reason": "县委常委会研究"},
        role="leader",
    )


async def test_a_high_risk_matter_is_refused_a_decision_to_proceed_even_with_mitigations(
    riskassess,
):
    assessment = await concluded(riskassess, "high")
    added = await post(
        riskassess,
        f"/v1/assessments/{assessment['id']}/mitigations",
        {"measure": "提高补偿标准并公示", "owner": "县住建局", "due_date": TOMORROW},
    )
    assert added.status_code == 200, added.text

    proceed = await decide(riskassess, assessment, "proceed")
    with_mitigations = await decide(riskassess, assessment, "proceed_with_mitigations")
    postponed = await decide(riskassess, assessment, "postpone")

    assert proceed.status_code == 422
    assert proceed.json()["errors"][0]["field"] == "body.decision"
    assert with_mitigations.status_code == 422
    assert postponed.status_code == 200
    assert postponed.json()["decision"] == "postpone"


async def test_a_low_risk_matter_with_mitigations_is_allowed_to_proceed(riskassess):
    assessment = await concluded(riskassess, "low")
    added = await post(
        riskassess,
        f"/v1/assessments/{assessment['id']}/mitigations",
        {"measure": "设立群众接待点", "owner": "城关街道", "due_date": TOMORROW},
    )
    assert added.status_code == 200, added.text
    assert added.json()["allowed_actions"] == []  # the analyst does not decide

    decided = await decide(riskassess, assessment, "proceed_with_mitigations")

    assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "decided"
    assert decided.json()["mitigations"][0]["owner"] == "城关街道"
    events = await riskassess.scalar(
        "SELECT array_agg(event_type ORDER BY id) FROM outbox WHERE payload->>'subject' = :id",
        id=assessment["id"],
    )
    assert events == [
        "pingan.riskassess.assessment.registered.v1",
        "pingan.riskassess.assessment.concluded.v1",
        "pingan.riskassess.assessment.decided.v1",
    ]
    topic = await riskassess.scalar(
        "SELECT DISTINCT topic FROM outbox WHERE payload->>'subject' = :id", id=assessment["id"]
    )
    assert topic == "riskassess.assessments.v1"


async def test_a_medium_risk_matter_needs_mitigations_before_it_proceeds(riskassess):
    assessment = await concluded(riskassess, "medium")

    refused = await decide(riskassess, assessment, "proceed_with_mitigations")
    await post(
        riskassess,
        f"/v1/assessments/{assessment['id']}/mitigations",
        {"measure": "分期实施并跟踪", "owner": "县发改局", "due_date": TOMORROW},
    )
    allowed = await decide(riskassess, assessment, "proceed_with_mitigations")

    assert refused.status_code == 422
    assert allowed.status_code == 200, allowed.text


async def test_refusals_by_role_state_area_and_content(riskassess):
    assessment = await registered(riskassess)
    path = f"/v1/assessments/{assessment['id']}"

    operator = await post(riskassess, "/v1/assessments", MATTER, role="operator")
    leader_registers = await post(riskassess, "/v1/assessments", MATTER, role="leader")
    too_early = await decide(riskassess, assessment, "proceed")
    elsewhere = await post(
        riskassess,
        f"{path}/conclude",
        {"conclusion": "low", "scores": SCORES},
        area="331199002",
    )
    past = await post(
        riskassess,
        f"{path}/mitigations",
        {
            "measure": "补偿",
            "owner": "县住建局",
            "due_date": (date.today() - timedelta(days=2)).isoformat(),
        },
    )
    bad_score = await post(
        riskassess, f"{path}/conclude", {"conclusion": "low", "scores": SCORES | {"legality": 101}}
    )

    assert operator.status_code == 403
    assert leader_registers.status_code == 403
    assert too_early.status_code == 409
    assert too_early.json()["allowed_actions"] == []
    assert elsewhere.status_code == 403
    assert past.status_code == 422
    assert bad_score.status_code == 422
    state = await riskassess.scalar(
        "SELECT state FROM assessments WHERE id = :id", id=assessment["id"]
    )
    assert state == "registered"
