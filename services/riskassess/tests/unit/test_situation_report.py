"""The 稳定形势分析 report, pure: periods and the ones before them, 环比 with an empty previous
period, key-person visit rates, and the findings the figures support."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from pingan_riskassess.analysis.measures import AlertFacts
from pingan_riskassess.analysis.period import BadPeriod, parse_period
from pingan_riskassess.analysis.report import SituationFacts, build

T = datetime(2026, 11, 3, 2, tzinfo=UTC)


def test_months_and_quarters_and_the_periods_before_them():
    november = parse_period("monthly", "2026-11")
    january = parse_period("monthly", "2027-01")
    q1 = parse_period("quarterly", "2027-Q1")

    assert (november.first_day, november.last_day, november.label) == (
        date(2026, 11, 1), date(2026, 11, 30), "2026年11月",
    )  # fmt: skip
    assert january.previous().key == "2026-12"
    assert q1.label == "2027年第一季度"
    assert (q1.first_day, q1.last_day, q1.days) == (date(2027, 1, 1), date(2027, 3, 31), 90)
    assert q1.previous().key == "2026-Q4"
    assert parse_period("monthly", "2028-02").last_day == date(2028, 2, 29)
    for kind, key in (("monthly", "2026-13"), ("monthly", "2026-Q4"), ("quarterly", "2026-Q5")):
        with pytest.raises(BadPeriod):
            parse_period(kind, key)  # type: ignore[arg-type]


def facts(**changes) -> SituationFacts:  # type: ignore[no-untyped-def]
    base = {
        "area_code": "331199",
        "area_name": "青山县",
        "period": parse_period("monthly", "2026-11"),
        "calls_by_group": Counter({"city_service": 30, "petition_group": 13}),
        "previous_calls_by_group": Counter({"city_service": 40, "petition_group": 10}),
        "calls_by_township": Counter({"331199001": 25, "331199002": 18}),
        "alerts_by_township": Counter(),
        "township_names": {"331199001": "城关街道", "331199002": "东城街道"},
        "alerts": [],
        "previous_alerts": 0,
        "key_persons_by_category": {"社区矫正人员": 8, "刑释人员": 2},
        "key_person_visits_overdue": 2,
        "key_persons_lost_contact": 0,
        "assessments_registered": 0,
        "conclusions": Counter(),
        "decisions": Counter(),
        "mitigations_open": 0,
        "mitigations_overdue": 0,
        "mitigations_done": 0,
    }
    return SituationFacts(**(base | changes))


def test_the_figures_and_their_changes_against_the_month_before():
    report = build(facts(), T)

    rows = {row.code: row for row in report.by_category}
    assert report.title == "青山县2026年11月稳定形势分析报告"
    assert (report.calls, report.previous_calls, report.calls_change_rate) == (43, 50, -0.14)
    assert rows["city_service"].change_rate == -0.25
    assert rows["petition_group"].change_rate == 0.3
    assert report.alerts.change_rate is None  # nothing last month: no percentage
    assert report.key_persons.registered == 10
    assert report.key_persons.visits_on_time_rate == 0.8
    assert [t.name for t in report.by_township] == ["城关街道", "东城街道"]


def test_the_findings_name_what_rose_where_and_what_is_overdue():
    alert = AlertFacts("red", "threat", T, T + timedelta(hours=2), False, None, None, 1)
    report = build(facts(alerts=[alert], mitigations_overdue=1), T)

    assert report.findings[0] == "本期发生红色、橙色预警1条，须逐条落实核查处置，防止风险升级。"
    assert "信访/群体类来电13件，环比上升30.0%，需重点关注。" in report.findings
    assert "城关街道来电25件，占58.1%，为本期来电最多的地区。" in report.findings
    assert any("及时签收率0.0%" in f for f in report.findings)
    assert any("走访逾期2人" in f for f in report.findings)
    assert any("化解措施逾期1项" in f for f in report.findings)


def test_a_quiet_month_says_so():
    report = build(
        facts(
            calls_by_group=Counter(),
            calls_by_township=Counter(),
            key_person_visits_overdue=0,
        ),
        T,
    )

    assert report.findings == ["本期未发现需要特别关注的风险，社会大局总体平稳。"]
