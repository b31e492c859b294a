"""The keyword classifier on what callers actually say (pure: no I/O)."""

from __future__ import annotations

import pytest

from pingan_common.events import CategoryGroup, Disposition, RiskLevel, Urgency
from pingan_intake.classification import FALLBACK, RULES, classify

G, D, U = CategoryGroup, Disposition, Urgency


@pytest.mark.parametrize(
    ("text", "group", "code"),
    [
        ("隔壁邻居装修天天到半夜，跟他说了也不听，想请人来调解", G.DISPUTE, "neighbour"),
        ("老板拖欠工资三个月了，找他就躲", G.DISPUTE, "wage_arrears"),
        ("婆媳关系闹得很僵，老人的赡养问题谈不拢", G.DISPUTE, "family"),
        ("这里有人开设赌场赌博，晚上很多人进出", G.PUBLIC_ORDER, "gambling_drugs"),
        ("接到电话说是公检法，被骗了两万块", G.PUBLIC_ORDER, "fraud"),
        ("小区消防通道被私家车堵死了", G.SAFETY_HAZARD, "fire_lane_blocked"),
        ("老房子墙体开裂越来越大，怕是危房", G.SAFETY_HAZARD, "dangerous_building"),
        ("人民路和解放街路口的路灯坏了一个星期了，晚上很黑", G.CITY_SERVICE, "street_light"),
        ("小区门口垃圾好几天没人清运，臭得很", G.CITY_SERVICE, "garbage"),
        (
            "村里那个精神病人又发病了，拿着棍子在街上乱跑",
            G.KEY_POPULATION,
            "mental_illness_incident",
        ),
        ("社区矫正的那个人最近一直联系不上", G.KEY_POPULATION, "community_correction_absent"),
        ("工地几十个工人聚集在门口拉横幅要工钱", G.PETITION_GROUP, "group_wage_arrears"),
        ("他说问题再不解决就要进京上访", G.PETITION_GROUP, "petition_threat"),
        ("老板再不给钱，我就从厂房楼顶跳楼", G.EXTREME_THREAT, "threat_self_harm"),
        ("再不给我解决，我就跟他们同归于尽", G.EXTREME_THREAT, "threat_revenge"),
        ("请问办理居住证需要什么材料", G.CONSULTATION, "policy"),
    ],
)
def test_colloquial_text_lands_in_its_category_group(text: str, group: CategoryGroup, code: str):
    result = classify(text)

    assert (result.group, result.code) == (group, code)


def test_every_one_of_the_eight_groups_has_a_rule():
    assert {rule.group for rule in RULES} == set(CategoryGroup)


def test_text_matching_no_rule_falls_back_to_other_city_service_task():
    result = classify("你好，我想反映一个情况")

    assert (result.group, result.code) == (G.CITY_SERVICE, FALLBACK.code)
    assert result.dispositions == (D.TASK,)
    assert result.urgency is U.NORMAL
    assert result.risk_level is None


@pytest.mark.parametrize(
    "text",
    [
        "闻到楼道里很浓的煤气味，可能燃气泄漏了",
        "对面楼着火了，冒烟很大",
        "楼下有两伙人正在打架，快来",
        "门口的路面突然塌陷了一个大坑",
    ],
)
def test_gas_leak_fire_fight_and_collapse_are_urgent(text: str):
    assert classify(text).urgency is U.URGENT


def test_ordinary_complaint_is_not_urgent():
    assert classify("路灯坏了，麻烦修一下").urgency is U.NORMAL


def test_a_dispute_going_on_right_now_is_urgent():
    assert classify("楼上邻居又在吵，现在就在门口").urgency is U.URGENT
    assert classify("楼上邻居上周吵过一次").urgency is U.NORMAL


def test_fight_goes_to_the_police_and_gets_a_task():
    result = classify("小区门口有人打架斗殴")

    assert result.group is G.PUBLIC_ORDER
    assert result.disposition is D.POLICE_TRANSFER
    assert result.dispositions == (D.POLICE_TRANSFER, D.TASK)


def test_threat_inside_a_dispute_is_raised_as_a_threat_and_keeps_the_mediation():
    result = classify("隔壁邻居天天吵架，再这样下去我就砍人")

    assert result.group is G.EXTREME_THREAT
    assert result.urgency is U.URGENT
    assert result.risk_level is RiskLevel.RED
    assert result.dispositions[:2] == (D.POLICE_TRANSFER, D.RISK)
    assert D.MEDIATION in result.dispositions


def test_threat_wins_over_wage_dispute():
    result = classify("公司拖欠工资半年了，今天再不给钱我就跳楼")

    assert result.group is G.EXTREME_THREAT
    assert result.code == "threat_self_harm"
    assert D.MEDIATION in result.dispositions


def test_a_threat_counts_even_when_a_negation_word_comes_shortly_before_it():
    # "没有钱我就跳楼": the 没有 negates the money, not the jump.
    result = classify("没有钱我就跳楼")

    assert result.group is G.EXTREME_THREAT
    assert result.risk_level is RiskLevel.RED


def test_wu_inside_an_ordinary_word_does_not_hide_what_follows():
    # 无缘无故 ("for no reason") is not a denial that anyone was hit.
    assert classify("他无缘无故打人").group is G.PUBLIC_ORDER
    assert classify("他无缘无故说要砍人").group is G.EXTREME_THREAT


def test_denied_complaint_that_asks_a_question_is_a_consultation_answered_at_intake():
    result = classify("不是要投诉，只是咨询一下")

    assert result.group is G.CONSULTATION
    assert result.dispositions == (D.ANSWER,)
    assert result.urgency is U.NORMAL


def test_a_keyword_right_after_a_negation_is_not_a_claim():
    result = classify("没有人打架，就是想咨询一下")

    assert result.group is G.CONSULTATION
    assert D.POLICE_TRANSFER not in result.dispositions
    assert result.urgency is U.NORMAL


def test_a_negation_does_not_reach_past_punctuation():
    assert classify("没有办法了，楼下又有人打架").group is G.PUBLIC_ORDER


def test_the_same_keyword_counts_when_a_later_mention_is_not_negated():
    assert classify("不是打架的事，是昨晚他们又打架了").group is G.PUBLIC_ORDER


def test_denied_fight_with_a_quarrel_stays_a_dispute_for_mediation():
    result = classify("不是打架，是邻居之间吵架")

    assert result.group is G.DISPUTE
    assert result.dispositions == (D.MEDIATION,)


def test_consultation_is_answered_and_nothing_else():
    result = classify("请问怎么办理低保")

    assert result.disposition is D.ANSWER
    assert result.dispositions == (D.ANSWER,)


def test_consultation_about_a_real_problem_needs_action_not_just_an_answer():
    result = classify("咨询一下，路灯坏了找谁修")

    # The street-light rule comes before the consultation rule, and an answer alone would
    # leave the light broken: a task, and no "answer" disposition tagging along.
    assert result.group is G.CITY_SERVICE
    assert result.dispositions == (D.TASK,)


def test_dispositions_of_later_matches_are_added_once_in_order():
    result = classify("工人聚集拉横幅讨薪，老板拖欠工资")

    assert result.group is G.PETITION_GROUP
    assert result.dispositions == (D.RISK, D.TASK, D.MEDIATION)
    assert len(set(result.dispositions)) == len(result.dispositions)


def test_primary_disposition_is_the_first_of_the_list():
    result = classify("公司拖欠工资三个月了")

    assert result.dispositions == (D.MEDIATION, D.TASK)
    assert result.disposition is D.MEDIATION


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("我不想活了", RiskLevel.RED),
        ("要去省里告他们，还要上访", RiskLevel.ORANGE),
        ("吸毒人员又回村里了", RiskLevel.YELLOW),
        ("楼道里的灯不亮", None),
    ],
)
def test_risk_level_comes_from_the_most_dangerous_rule(text: str, level: RiskLevel | None):
    assert classify(text).risk_level is level
