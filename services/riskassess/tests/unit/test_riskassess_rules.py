"""Signal rules, pure: threat words and intake's own flag in, a graded assessment out."""

from __future__ import annotations

import pytest

from pingan_common.events import RiskLevel
from pingan_riskassess.rules import Assessment, Signal, assess


def _text(make_ticket, description: str):  # type: ignore[no-untyped-def]
    return make_ticket(description).data


@pytest.mark.parametrize(
    ("description", "phrase"),
    [
        ("老板拖欠工资半年，再不给钱我就从楼顶跳楼", "跳楼"),
        ("他说活不下去了要自杀", "自杀"),
        ("被拆迁逼急了，说要报复社会", "报复社会"),
    ],
)
def test_threats_to_life_or_society_are_red(make_ticket, description: str, phrase: str):
    assessment = assess(_text(make_ticket, description))

    assert assessment is not None
    assert assessment.level is RiskLevel.RED
    assert Signal("threat_words", phrase, RiskLevel.RED) in assessment.signals


@pytest.mark.parametrize(
    ("description", "phrase"),
    [
        ("他扬言要去县政府讨个说法", "扬言"),
        ("问题再不解决就组织大家进京上访", "进京上访"),
    ],
)
def test_threats_of_escalation_are_orange(make_ticket, description: str, phrase: str):
    assessment = assess(_text(make_ticket, description))

    assert assessment is not None
    assert assessment.level is RiskLevel.ORANGE
    assert [s.evidence for s in assessment.signals] == [phrase]


def test_only_the_longest_phrase_is_reported_as_evidence(make_ticket):
    assessment = assess(_text(make_ticket, "他扬言要进京上访，还说要报复社会"))

    assert assessment is not None
    evidence = {s.evidence for s in assessment.signals}
    assert evidence == {"扬言", "进京上访", "报复社会"}
    assert not evidence & {"进京", "上访", "报复"}
    assert assessment.level is RiskLevel.RED


def test_the_highest_signal_sets_the_level(make_ticket):
    assessment = assess(_text(make_ticket, "工人聚集拉横幅，有人扬言跳楼"))

    assert assessment is not None
    assert assessment.level is RiskLevel.RED
    assert {s.level for s in assessment.signals} == {
        RiskLevel.YELLOW,
        RiskLevel.ORANGE,
        RiskLevel.RED,
    }


def test_intake_risk_flag_is_a_signal_on_its_own(make_ticket):
    ticket = make_ticket(
        "社区矫正人员脱管两天了",
        group="key_population",
        code="community_correction_absent",
        label="社区矫正人员脱管",
        risk_level="yellow",
    )

    assessment = assess(ticket.data)

    assert assessment is not None
    assert assessment.level is RiskLevel.YELLOW
    assert assessment.signals == (
        Signal("intake_classification", "社区矫正人员脱管", RiskLevel.YELLOW),
    )


def test_intake_flag_and_threat_words_are_both_kept(make_ticket):
    ticket = make_ticket(
        "拖欠工资的工人要集体讨薪，扬言进京上访",
        group="petition_group",
        label="集体讨薪",
        risk_level="orange",
    )

    assessment = assess(ticket.data)

    assert assessment is not None
    assert {s.rule for s in assessment.signals} == {"threat_words", "intake_classification"}
    assert assessment.level is RiskLevel.ORANGE


def test_a_street_light_complaint_raises_nothing(make_ticket):
    assert assess(_text(make_ticket, "人民路和解放街路口的路灯坏了一个星期了，晚上很黑")) is None


@pytest.mark.parametrize(
    ("level", "roles"),
    [
        (RiskLevel.RED, ["leader", "analyst"]),
        (RiskLevel.ORANGE, ["leader", "analyst"]),
        (RiskLevel.YELLOW, ["analyst"]),
        (RiskLevel.BLUE, ["analyst"]),
    ],
)
def test_red_and_orange_reach_the_leader_the_analyst_sees_every_alert(
    level: RiskLevel, roles: list[str]
):
    assessment = Assessment(level=level, signals=(Signal("threat_words", "x", level),))

    assert assessment.notify_roles == roles


def test_the_summary_names_each_rule_and_its_evidence(make_ticket):
    assessment = assess(_text(make_ticket, "他扬言要跳楼"))

    assert assessment is not None
    assert "threat_words: 扬言" in assessment.summary
    assert "threat_words: 跳楼" in assessment.summary
