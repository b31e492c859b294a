"""Stability assessments on the running service: register, evidence, conclude, and the decision
gate both ways, with the events on riskassess.assessments.v1 and every refusal."""

from __future__ import annotations

from datetime import date, timedelta

from services.riskassess.tests.service.assessment_steps import (
    MATTER,
    concluded,
    decide,
    evidenced,
    mitigation,
    post,
    registered,
)


async def test_a_high_risk_matter_is_refused_a_decision_to_proceed_even_with_mitigations(
    riskassess,
):
    assessment = await concluded(riskassess, "high")
    added = await mitigation(riskassess, assessment)
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
    added = await mitigation(riskassess, assessment)
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
        "pingan.riskassess.assessment.hearing_recorded.v1",
        "pingan.riskassess.assessment.experts_drawn.v1",
        *["pingan.riskassess.assessment.expert_scored.v1"] * 3,
        "pingan.riskassess.assessment.concluded.v1",
        "pingan.riskassess.assessment.decided.v1",
    ]
    topics = await riskassess.scalar(
        "SELECT array_agg(DISTINCT topic) FROM outbox WHERE payload->>'correlationid' = :id",
        id=assessment["id"],
    )
    assert topics == ["riskassess.assessments.v1"]


async def test_a_medium_risk_matter_needs_mitigations_before_it_proceeds(riskassess):
    assessment = await concluded(riskassess, "medium")

    refused = await decide(riskassess, assessment, "proceed_with_mitigations")
    await mitigation(riskassess, assessment)
    allowed = await decide(riskassess, assessment, "proceed_with_mitigations")

    assert refused.status_code == 422
    assert allowed.status_code == 200, allowed.text


async def test_the_normal_procedure_refuses_a_conclusion_until_it_has_a_hearing_and_five_experts(
    riskassess,
):
    bare = await registered(riskassess)
    refused = await post(
        riskassess, f"/v1/assessments/{bare['id']}/conclude", {"conclusion": "low"}
    )
    complete = await evidenced(riskassess, "normal")
    allowed = await post(
        riskassess, f"/v1/assessments/{complete['id']}/conclude", {"conclusion": "low"}
    )

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "procedure"
    assert "听证会" in refused.json()["detail"]
    assert "5 drawn experts" in refused.json()["detail"]
    assert allowed.status_code == 200, allowed.text
    body = allowed.json()
    assert body["procedure_missing"] == []
    assert [h["kind"] for h in body["hearings"]] == ["hearing", "symposium"]
    assert len(body["experts"]) == 5
    assert body["scores"] == {
        "legality": 90.0,
        "reasonableness": 80.0,
        "feasibility": 85.0,
        "controllability": 75.0,
    }


async def test_refusals_by_role_state_area_and_content(riskassess):
    assessment = await registered(riskassess)
    path = f"/v1/assessments/{assessment['id']}"

    operator = await post(riskassess, "/v1/assessments", MATTER, role="operator")
    leader_registers = await post(riskassess, "/v1/assessments", MATTER, role="leader")
    too_early = await decide(riskassess, assessment, "proceed")
    elsewhere = await post(riskassess, f"{path}/conclude", {"conclusion": "low"}, area="331199002")
    past = await mitigation(riskassess, assessment, (date.today() - timedelta(days=2)).isoformat())
    stale_client = await post(
        riskassess, f"{path}/conclude", {"conclusion": "low", "scores": {"legality": 90}}
    )

    assert operator.status_code == 403
    assert leader_registers.status_code == 403
    assert too_early.status_code == 409
    assert too_early.json()["allowed_actions"] == []
    assert elsewhere.status_code == 404  # another area's: not there for them
    assert past.status_code == 422
    assert stale_client.status_code == 422
    state = await riskassess.scalar(
        "SELECT state FROM assessments WHERE id = :id", id=assessment["id"]
    )
    assert state == "registered"
