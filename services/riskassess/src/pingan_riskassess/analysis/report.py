"""The 稳定形势分析 report, pure: from the facts of a period (and the period before) to the
figures and the analysts' findings the county publishes monthly and quarterly. The JSON is this
model; the PDF (``report_pdf``) prints it.

Rates with a zero denominator are None (printed "—"), never 0; a change against an empty
previous period is None too, because "up from nothing" has no percentage.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from pydantic import BaseModel, Field

from pingan_common.county_time import county_date
from pingan_common.events.values import group_label
from pingan_riskassess.analysis.labels import LEVELS, RULE_LABELS, label
from pingan_riskassess.analysis.measures import AlertFacts, compute
from pingan_riskassess.analysis.period import Period


@dataclass(frozen=True)
class MeetingFact:
    held_on: date
    attendees: int
    matters: list[str]
    decisions: list[dict]


@dataclass(frozen=True)
class BulletinFact:
    number: str
    level: str
    title: str
    issued_at: datetime


@dataclass
class SituationFacts:
    area_code: str
    area_name: str
    period: Period
    calls_by_group: Counter[str]
    previous_calls_by_group: Counter[str]
    calls_by_township: Counter[str]
    alerts_by_township: Counter[str]
    township_names: dict[str, str]
    alerts: list[AlertFacts]
    previous_alerts: int
    key_persons_by_category: dict[str, int]
    key_person_visits_overdue: int
    key_persons_lost_contact: int
    assessments_registered: int
    conclusions: Counter[str]
    decisions: Counter[str]
    mitigations_open: int
    mitigations_overdue: int
    mitigations_done: int
    meetings: list[MeetingFact] = field(default_factory=list)
    bulletins: list[BulletinFact] = field(default_factory=list)


class CategoryRow(BaseModel):
    code: str
    label: str
    calls: int
    previous: int
    change_rate: float | None = Field(description="(calls - previous) / previous")


class TownshipRow(BaseModel):
    code: str
    name: str
    calls: int
    alerts: int


class SourceRow(BaseModel):
    rule: str
    label: str
    alerts: int


class AlertSection(BaseModel):
    total: int
    previous_total: int
    change_rate: float | None
    by_level: dict[str, int]
    by_source: list[SourceRow]
    acknowledged: int
    acknowledged_in_time_rate: float | None
    median_minutes_to_acknowledge: float | None
    median_minutes_to_verify: float | None
    verified: int
    false_alarm_rate: float | None
    escalations: int


class KeyPersonSection(BaseModel):
    registered: int
    by_category: dict[str, int] = Field(description="Chinese category name → persons registered")
    visits_overdue: int
    visits_on_time_rate: float | None
    lost_contact: int


class AssessmentSection(BaseModel):
    registered: int
    conclusions: dict[str, int]
    decisions: dict[str, int]
    mitigations_open: int
    mitigations_overdue: int
    mitigations_done: int


class MeetingRow(BaseModel):
    held_on: date
    attendees: int
    matters: list[str]
    decisions: list[dict]


class BulletinRow(BaseModel):
    number: str
    level: str
    title: str
    issued_on: date


class SituationReport(BaseModel):
    title: str
    area_code: str
    area_name: str
    kind: str
    period: str
    period_label: str
    first_day: date
    last_day: date
    generated_at: datetime
    calls: int
    previous_calls: int
    calls_change_rate: float | None
    by_category: list[CategoryRow]
    by_township: list[TownshipRow]
    alerts: AlertSection
    key_persons: KeyPersonSection
    assessments: AssessmentSection
    meetings: list[MeetingRow]
    bulletins: list[BulletinRow]
    findings: list[str] = Field(description="研判意见: what the figures say, in Chinese")


def change(current: int, previous: int) -> float | None:
    return round((current - previous) / previous, 4) if previous else None


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def trend(rate: float | None) -> str:
    if rate is None:
        return "上期无数据"
    if rate == 0:
        return "与上期持平"
    return f"环比{'上升' if rate > 0 else '下降'}{abs(rate) * 100:.1f}%"


def build(facts: SituationFacts, generated_at: datetime) -> SituationReport:
    period = facts.period
    calls = sum(facts.calls_by_group.values())
    previous_calls = sum(facts.previous_calls_by_group.values())
    groups = sorted(
        set(facts.calls_by_group) | set(facts.previous_calls_by_group),
        key=lambda g: (-facts.calls_by_group[g], g),
    )
    by_category = [
        CategoryRow(
            code=g,
            label=group_label(g),
            calls=facts.calls_by_group[g],
            previous=facts.previous_calls_by_group[g],
            change_rate=change(facts.calls_by_group[g], facts.previous_calls_by_group[g]),
        )
        for g in groups
    ]
    townships = sorted(
        set(facts.calls_by_township) | set(facts.alerts_by_township),
        key=lambda t: (-facts.calls_by_township[t], t),
    )
    by_township = [
        TownshipRow(
            code=t,
            name=facts.township_names.get(t, t),
            calls=facts.calls_by_township[t],
            alerts=facts.alerts_by_township[t],
        )
        for t in townships
    ]
    measures = compute(facts.alerts)
    alerts = AlertSection(
        total=measures.alerts,
        previous_total=facts.previous_alerts,
        change_rate=change(measures.alerts, facts.previous_alerts),
        by_level={level: measures.by_level.get(level, 0) for level in LEVELS},
        by_source=[
            SourceRow(rule=rule, label=label(RULE_LABELS, rule), alerts=count)
            for rule, count in sorted(measures.by_source.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        acknowledged=measures.acknowledged,
        acknowledged_in_time_rate=measures.acknowledged_in_time_rate,
        median_minutes_to_acknowledge=measures.median_minutes_to_acknowledge,
        median_minutes_to_verify=measures.median_minutes_to_verify,
        verified=measures.verified,
        false_alarm_rate=measures.false_alarm_rate,
        escalations=measures.escalations,
    )
    registered = sum(facts.key_persons_by_category.values())
    key_persons = KeyPersonSection(
        registered=registered,
        by_category=dict(facts.key_persons_by_category),
        visits_overdue=facts.key_person_visits_overdue,
        visits_on_time_rate=(
            round(1 - facts.key_person_visits_overdue / registered, 4) if registered else None
        ),
        lost_contact=facts.key_persons_lost_contact,
    )
    assessments = AssessmentSection(
        registered=facts.assessments_registered,
        conclusions=dict(sorted(facts.conclusions.items())),
        decisions=dict(sorted(facts.decisions.items())),
        mitigations_open=facts.mitigations_open,
        mitigations_overdue=facts.mitigations_overdue,
        mitigations_done=facts.mitigations_done,
    )
    report = SituationReport(
        title=f"{facts.area_name}{period.label}稳定形势分析报告",
        area_code=facts.area_code,
        area_name=facts.area_name,
        kind=period.kind,
        period=period.key,
        period_label=period.label,
        first_day=period.first_day,
        last_day=period.last_day,
        generated_at=generated_at,
        calls=calls,
        previous_calls=previous_calls,
        calls_change_rate=change(calls, previous_calls),
        by_category=by_category,
        by_township=by_township,
        alerts=alerts,
        key_persons=key_persons,
        assessments=assessments,
        meetings=[MeetingRow(**m.__dict__) for m in facts.meetings],
        bulletins=[
            BulletinRow(
                number=b.number, level=b.level, title=b.title, issued_on=county_date(b.issued_at)
            )
            for b in facts.bulletins
        ],
        findings=[],
    )
    return report.model_copy(update={"findings": findings(report)})


def findings(report: SituationReport) -> list[str]:
    """The 研判意见: a few plain sentences the figures support, most important first."""
    said: list[str] = []
    alerts = report.alerts
    serious = alerts.by_level["red"] + alerts.by_level["orange"]
    if serious:
        said.append(f"本期发生红色、橙色预警{serious}条，须逐条落实核查处置，防止风险升级。")
    rising = [
        row for row in report.by_category if row.change_rate is not None and row.change_rate >= 0.3
    ]
    for row in rising[:2]:
        said.append(f"{row.label}类来电{row.calls}件，{trend(row.change_rate)}，需重点关注。")
    if report.by_township and report.by_township[0].calls:
        top = report.by_township[0]
        share = top.calls / report.calls if report.calls else 0
        said.append(f"{top.name}来电{top.calls}件，占{share * 100:.1f}%，为本期来电最多的地区。")
    if alerts.false_alarm_rate is not None and alerts.false_alarm_rate >= 0.3:
        said.append(f"预警误报率{percent(alerts.false_alarm_rate)}，建议复核信号规则阈值。")
    if alerts.acknowledged_in_time_rate is not None and alerts.acknowledged_in_time_rate < 0.9:
        said.append(
            f"预警及时签收率{percent(alerts.acknowledged_in_time_rate)}，值班签收需进一步落实。"
        )
    persons = report.key_persons
    if persons.visits_overdue or persons.lost_contact:
        said.append(
            f"重点人员走访逾期{persons.visits_overdue}人、脱管{persons.lost_contact}人，"
            "请属地网格员尽快走访核实。"
        )
    if report.assessments.mitigations_overdue:
        said.append(
            f"重大事项稳评化解措施逾期{report.assessments.mitigations_overdue}项，请责任单位限期落实。"
        )
    if not said:
        said.append("本期未发现需要特别关注的风险，社会大局总体平稳。")
    return said
