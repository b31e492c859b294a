"""The signal rules, pure: each must fire where it should and stay silent where it should not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from pingan_common.events.values import RiskLevel
from pingan_riskassess.signals import extract, rules
from pingan_riskassess.signals.rules import ContactFact
from pingan_riskassess.signals.ruleset import default_rules, load_rules

RULES = default_rules()
NOW = datetime(2026, 11, 20, 10, tzinfo=UTC)  # a Friday outside every sensitive period


def call(hours_ago: float, caller: str | None = "h1", **fields) -> ContactFact:  # type: ignore[no-untyped-def]
    return ContactFact(uuid4(), caller, NOW - timedelta(hours=hours_ago), **fields)


def test_the_rule_data_loads_and_names_its_version():
    assert RULES.version
    assert RULES.acknowledge_minutes[RiskLevel.RED] < RULES.acknowledge_minutes[RiskLevel.BLUE]


def test_rule_data_with_an_unknown_field_is_refused():
    document = RULES.model_dump(by_alias=True) | {"surprise": 1}
    with pytest.raises(ValueError):
        load_rules(document)


def test_the_third_call_in_thirty_days_is_a_repeat_caller():
    calls = [call(24 * 20), call(24 * 5), call(0)]

    signal = rules.repeat_caller(calls, NOW, RULES)

    assert signal is not None
    assert signal.level is RiskLevel.BLUE
    assert set(signal.event_ids) == {c.event_id for c in calls}
    assert signal.rules_version == RULES.version


def test_two_calls_or_a_third_outside_the_window_are_no_repeat_caller():
    assert rules.repeat_caller([call(24), call(0)], NOW, RULES) is None
    assert rules.repeat_caller([call(24 * 31), call(24), call(0)], NOW, RULES) is None


def test_intakes_own_repeat_count_fires_the_repeat_caller_rule():
    signal = rules.repeat_caller([call(0, repeat_count=5)], NOW, RULES)

    assert signal is not None and signal.level is RiskLevel.YELLOW


def test_a_repeat_callers_level_rises_with_the_count():
    levels = [rules.repeat_caller([call(i) for i in range(n)], NOW, RULES) for n in (3, 5, 8)]

    assert [s.level for s in levels if s] == [RiskLevel.BLUE, RiskLevel.YELLOW, RiskLevel.ORANGE]


def test_distinct_callers_about_one_place_are_a_group_precursor_rising_with_the_count():
    def level(n: int) -> RiskLevel | None:
        facts = [call(1, f"h{i}") for i in range(n)]
        signal = rules.group_precursor(facts, NOW, RULES, place="鑫达电子厂")
        return signal.level if signal else None

    assert [level(n) for n in (2, 3, 5, 10, 30)] == [
        None,
        RiskLevel.BLUE,
        RiskLevel.YELLOW,
        RiskLevel.ORANGE,
        RiskLevel.RED,
    ]


def test_one_caller_calling_often_is_no_group():
    facts = [call(i, "same") for i in range(10)]

    assert rules.group_precursor(facts, NOW, RULES, place="厂") is None


def test_words_of_collective_action_raise_the_group_one_step():
    facts = [call(1, f"h{i}", collective=True) for i in range(3)]

    signal = rules.group_precursor(facts, NOW, RULES, place="厂")

    assert signal is not None and signal.level is RiskLevel.YELLOW
    assert "集体行动" in signal.evidence


def test_calls_older_than_the_window_are_no_group():
    facts = [call(49, f"h{i}") for i in range(5)]

    assert rules.group_precursor(facts, NOW, RULES, place="厂") is None


@pytest.mark.parametrize(
    ("people", "level"),
    [(3, None), (5, RiskLevel.BLUE), (30, RiskLevel.YELLOW), (60, RiskLevel.ORANGE),
     (200, RiskLevel.RED)],
)  # fmt: skip
def test_a_gathering_is_graded_by_the_people_reported(people: int, level: RiskLevel | None):
    signal = rules.gathering([call(1, headcount=people)], NOW, RULES, place="广场")

    assert (signal.level if signal else None) == level


def test_intakes_extreme_threat_classification_is_a_threat_at_its_level():
    signal = rules.threat(
        event_id=uuid4(), group="extreme_threat", label="扬言自杀", risk_level=None, rules=RULES
    )

    assert signal is not None and signal.level is RiskLevel.RED and signal.rule == "threat"


def test_a_risk_level_intake_set_is_a_signal_at_that_level():
    signal = rules.threat(
        event_id=uuid4(),
        group="key_population",
        label="社区矫正人员脱管",
        risk_level=RiskLevel.YELLOW,
        rules=RULES,
    )

    assert signal is not None and signal.level is RiskLevel.YELLOW


@pytest.mark.parametrize("text", ["我不是要上访，只是问问政策", "家里水管炸了，快来修"])
def test_words_alone_raise_nothing_without_intakes_classification(text: str):
    signal = rules.threat(
        event_id=uuid4(), group="city_service", label=text, risk_level=None, rules=RULES
    )

    assert signal is None


def test_violence_in_a_mediation_session_is_red_a_breached_term_yellow():
    violence = rules.case_risk(
        event_id=uuid4(), reason="violence_in_session", evidence="x", rules=RULES
    )
    breach = rules.case_risk(event_id=uuid4(), reason="term_breached", evidence="x", rules=RULES)

    assert (violence.level, breach.level) == (RiskLevel.RED, RiskLevel.YELLOW)


def test_a_sensitive_task_overdue_fires_and_an_ordinary_one_does_not():
    petition = rules.sensitive_overdue(
        event_id=uuid4(), group="petition_group", label="集体讨薪", escalated=True, rules=RULES
    )
    street_light = rules.sensitive_overdue(
        event_id=uuid4(), group="city_service", label="路灯", escalated=True, rules=RULES
    )

    assert petition is not None and petition.level is RiskLevel.ORANGE
    assert street_light is None


def test_a_spike_fires_against_the_same_weekday_baseline_only_when_far_above_it():
    common = {"label": "停水", "area": "331199001", "event_ids": [], "rules": RULES}

    assert rules.spike(today=12, baseline=[2, 3, 1, 2, 0, 4, 2, 2], **common) is not None
    assert rules.spike(today=12, baseline=[5] * 8, **common) is None  # a busy but normal day
    assert rules.spike(today=7, baseline=[0] * 8, **common) is None  # too few to mean anything


@pytest.mark.parametrize(
    ("day", "period"),
    [(date(2026, 10, 1), "国庆"), (date(2026, 12, 31), "元旦"), (date(2027, 1, 2), "元旦"),
     (date(2027, 2, 10), "春节"), (date(2026, 11, 20), None)],
)  # fmt: skip
def test_the_sensitive_periods_calendar(day: date, period: str | None):
    found = rules.sensitive_period(day, RULES)

    assert (found.name if found else None) == period


def test_a_sensitive_period_raises_a_signals_level_and_says_why():
    signal = rules.repeat_caller([call(2), call(1), call(0)], NOW, RULES)
    assert signal is not None

    raised = rules.period_raise(signal, date(2026, 10, 1), RULES)

    assert raised.level is RiskLevel.YELLOW
    assert "国庆" in raised.evidence
    assert rules.period_raise(signal, date(2026, 11, 20), RULES) == signal


@pytest.mark.parametrize(
    ("result", "finding"),
    [("经现场核查，情况属实，已劝导", "confirmed"), ("核查情况不属实，系误会", "false_alarm"),
     ("误报", "false_alarm"), ("现场核实：无聚集，已劝离", None)],
)  # fmt: skip
def test_a_verification_reply_is_read_as_a_finding_only_when_it_is_clear(result, finding):
    assert rules.verification_finding(result, RULES) == finding


@pytest.mark.parametrize(
    ("text", "key"),
    [("鑫达电子厂拖欠我们工资三个月", ("employer", "鑫达电子厂")),
     ("我在宏远建筑公司的工地上干活", ("employer", "宏远建筑公司")),
     ("阳光花园小区物业乱收费", ("place", "阳光花园小区")),
     ("人民路的路灯坏了", None), ("再不给钱我就从厂房楼顶跳楼", None)],
)  # fmt: skip
def test_the_employer_or_place_a_call_names(text: str, key):
    assert extract.place_key(text) == key


@pytest.mark.parametrize(
    ("text", "people"),
    [("厂门口聚集了约200人", 200), ("五十多名工人在门口静坐", 50), ("两百人围堵大门", 200),
     ("有人扬言跳楼", None), ("我们三个人来反映", None)],
)  # fmt: skip
def test_the_people_a_call_reports_gathered(text: str, people: int | None):
    assert extract.headcount(text, RULES.gathering.words) == people
