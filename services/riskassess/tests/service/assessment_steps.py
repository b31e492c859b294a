"""Steps of a stability assessment through riskassess's REST API, shared by its service tests:
a matter registered, the pool stocked, experts drawn and scored, consultations recorded, the
conclusion and the decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

MATTER = {
    "title": "城东片区征地拆迁项目",
    "matter_kind": "land_expropriation",
    "area_code": "331199001",
    "procedure": "normal",
    "affected_population": 1200,
    "parties": ["青山县城东开发建设有限公司", "城东村村民委员会"],
}
SCORES = {"legality": 90, "reasonableness": 80, "feasibility": 85, "controllability": 75}
IN_A_MONTH = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
HEARINGS = {
    "normal": [("hearing", 60, 48, 7), ("symposium", 25, 20, 3)],
    "simplified": [("symposium", 20, 18, 1)],
}
EXPERTS = {"normal": 5, "simplified": 3}


async def post(riskassess, path: str, body: Any, role: str = "analyst", **claims: str):  # type: ignore[no-untyped-def]
    return await riskassess.client.post(path, json=body, headers=riskassess.headers(role, **claims))


async def put(riskassess, path: str, body: Any, role: str = "analyst", **claims: str):  # type: ignore[no-untyped-def]
    return await riskassess.client.put(path, json=body, headers=riskassess.headers(role, **claims))


async def expert(riskassess, name: str, **changes: Any) -> dict:  # type: ignore[no-untyped-def]
    body = {"name": name, "field": "法律", "organisation": "青山县律师协会"} | changes
    response = await post(riskassess, "/v1/experts", body)
    assert response.status_code == 201, response.text
    return response.json()


async def stocked_pool(riskassess, size: int = 6) -> None:  # type: ignore[no-untyped-def]
    """Enough unconflicted experts in the pool for any procedure."""
    for n in range(size):
        await expert(riskassess, f"专家{n:02d}", organisation=f"青山县第{n}研究所")


async def registered(riskassess, **changes: Any) -> dict:  # type: ignore[no-untyped-def]
    response = await post(riskassess, "/v1/assessments", MATTER | changes)
    assert response.status_code == 201, response.text
    return response.json()


async def hearing(riskassess, assessment: dict, kind: str, attendees: int, yes: int, no: int):  # type: ignore[no-untyped-def]
    body = {
        "kind": kind,
        "held_on": "2026-11-20",
        "attendees": attendees,
        "summary": "多数群众支持，关注补偿标准",
        "in_favour": yes,
        "against": no,
    }
    return await post(riskassess, f"/v1/assessments/{assessment['id']}/hearings", body)


async def evidenced(riskassess, procedure: str = "normal", scores: dict | None = None) -> dict:  # type: ignore[no-untyped-def]
    """A registered matter with the consultations and scored experts its procedure needs."""
    await stocked_pool(riskassess, EXPERTS[procedure])
    assessment = await registered(riskassess, procedure=procedure)
    for kind, attendees, yes, no in HEARINGS[procedure]:
        recorded = await hearing(riskassess, assessment, kind, attendees, yes, no)
        assert recorded.status_code == 201, recorded.text
    drawn = await post(
        riskassess,
        f"/v1/assessments/{assessment['id']}/experts/draw",
        {"count": EXPERTS[procedure]},
    )
    assert drawn.status_code == 200, drawn.text
    for expert_id in drawn.json()["drawn"]:
        scored = await put(
            riskassess,
            f"/v1/assessments/{assessment['id']}/experts/{expert_id}/scores",
            scores or SCORES,
        )
        assert scored.status_code == 200, scored.text
    return assessment


async def concluded(riskassess, conclusion: str, procedure: str = "simplified") -> dict:  # type: ignore[no-untyped-def]
    assessment = await evidenced(riskassess, procedure)
    response = await post(
        riskassess, f"/v1/assessments/{assessment['id']}/conclude", {"conclusion": conclusion}
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


async def mitigation(riskassess, assessment: dict, due_date: str = IN_A_MONTH, **claims: str):  # type: ignore[no-untyped-def]
    return await post(
        riskassess,
        f"/v1/assessments/{assessment['id']}/mitigations",
        {"measure": "设立群众接待点", "owner": "城关街道", "due_date": due_date},
        **claims,
    )
