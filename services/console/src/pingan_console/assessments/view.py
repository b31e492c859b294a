"""View models of the stability assessments: labelled rows and a detail with its scores."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pingan_console.alerts.labels import label
from pingan_console.alerts.view import county_time

MATTER_LABELS: dict[str, str] = {
    "land_expropriation": "征地拆迁",
    "environmental_project": "环境影响项目",
    "large_construction": "重大工程建设",
    "other": "其他重大事项",
}
PROCEDURE_LABELS: dict[str, str] = {"normal": "一般程序", "simplified": "简易程序"}
STATE_LABELS: dict[str, str] = {
    "registered": "评估中",
    "concluded": "已出结论",
    "decided": "已决策",
}
CONCLUSION_LABELS: dict[str, str] = {"high": "高风险", "medium": "中风险", "low": "低风险"}
CONCLUSION_LEVELS: dict[str, str] = {"high": "red", "medium": "orange", "low": "blue"}
DECISION_LABELS: dict[str, str] = {
    "proceed": "准予实施",
    "proceed_with_mitigations": "落实化解措施后实施",
    "postpone": "暂缓实施",
    "reject": "不予实施",
}
SCORE_LABELS: dict[str, str] = {
    "legality": "合法性",
    "reasonableness": "合理性",
    "feasibility": "可行性",
    "controllability": "可控性",
}
ACTION_LABELS: dict[str, str] = {"conclude": "评估结论", "decide": "决策", "mitigation": "化解措施"}


@dataclass(frozen=True)
class AssessmentRow:
    id: str
    title: str
    matter: str
    area_name: str
    procedure: str
    population: int
    state: str
    conclusion: str
    conclusion_level: str
    decision: str
    created: str


def assessment_row(a: Mapping[str, Any], area_name: Callable[[str], str]) -> AssessmentRow:
    conclusion = a.get("conclusion")
    return AssessmentRow(
        id=str(a["id"]),
        title=str(a.get("title") or ""),
        matter=label(MATTER_LABELS, a.get("matter_kind")),
        area_name=area_name(str(a.get("area_code") or "")),
        procedure=label(PROCEDURE_LABELS, a.get("procedure")),
        population=int(a.get("affected_population") or 0),
        state=label(STATE_LABELS, a.get("state")),
        conclusion=label(CONCLUSION_LABELS, conclusion) if conclusion else "—",
        conclusion_level=CONCLUSION_LEVELS.get(str(conclusion), ""),
        decision=label(DECISION_LABELS, a.get("decision")) if a.get("decision") else "—",
        created=county_time(a.get("created_at"), "%Y-%m-%d"),
    )


@dataclass(frozen=True)
class Mitigation:
    measure: str
    owner: str
    due: str
    done: bool


@dataclass(frozen=True)
class AssessmentDetail:
    row: AssessmentRow
    decision_reason: str
    scores: list[tuple[str, str]]
    mitigations: list[Mitigation]
    next_steps: list[str]


def assessment_detail(a: Mapping[str, Any], area_name: Callable[[str], str]) -> AssessmentDetail:
    scores = a.get("scores") or {}
    return AssessmentDetail(
        row=assessment_row(a, area_name),
        decision_reason=str(a.get("decision_reason") or ""),
        scores=[
            (text, f"{float(scores[key]):.1f}" if key in scores else "—")
            for key, text in SCORE_LABELS.items()
        ],
        mitigations=[
            Mitigation(
                measure=str(m.get("measure") or ""),
                owner=str(m.get("owner") or ""),
                due=str(m.get("due_date") or ""),
                done=bool(m.get("done")),
            )
            for m in a.get("mitigations") or []
        ],
        next_steps=[label(ACTION_LABELS, action) for action in a.get("allowed_actions") or []],
    )
