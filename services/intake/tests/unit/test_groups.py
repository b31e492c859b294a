"""Group detection (pure): spoken counts, collective plans and sites make a group matter."""

from __future__ import annotations

import pytest

from pingan_common.events import CategoryGroup, Disposition, RiskLevel
from pingan_intake.classification.classifier import classify
from pingan_intake.classification.groups import count_value, detect

G, D = CategoryGroup, Disposition


@pytest.mark.parametrize(
    ("spoken", "value"),
    [
        ("三十", 30),
        ("四十", 40),
        ("上百", 100),
        ("百十", 100),
        ("七八十", 70),
        ("一百二十", 120),
        ("二百", 200),
        ("十几", 10),
        ("二十好几", 20),
        ("好几十", 20),
        ("35", 35),
        ("十二", 12),
    ],
)
def test_spoken_counts_are_read_at_their_low_end(spoken: str, value: int):
    assert count_value(spoken) == value


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("三十多个工人两个月没拿到钱，打算一块儿去镇政府", "group_wage_arrears"),
        ("我们小区四十来户拉了个群，商量去县里反映学区的事", "group_gathering"),
        ("售楼处这边上百号人，都是交不了房的", "group_gathering"),
        ("厂里七八十号人的工资拖了三个月，大伙都堵在厂门口", "group_wage_arrears"),
        ("我们一百二十余名职工社保断缴，群里号召集体上访", "group_wage_arrears"),
        ("大伙约好了明天一起去镇政府，为了那个高压线的事", "group_gathering"),
    ],
)
def test_many_people_with_a_plan_or_at_a_site_are_a_group_matter(text: str, code: str):
    signal = detect(text)

    assert signal.is_group
    assert signal.code == code


@pytest.mark.parametrize(
    "text",
    [
        "我跟我老婆一起去医院看病，医生态度很差",
        "我们村三十多户通了天然气，但是气压很低",
        "那个培训学校的楼梯口装了铁门，几百个学生在里面上课",
        "两个邻居为了停车位吵起来了",
    ],
)
def test_a_count_or_a_trip_alone_is_no_group_matter(text: str):
    assert not detect(text).is_group


def test_a_group_wage_matter_is_a_risk_item_beside_its_task():
    result = classify("我们三十多个工人两个月没拿到钱了，打算明天一块儿去镇政府问问，不是要闹事")

    assert result.group is G.PETITION_GROUP
    assert result.code == "group_wage_arrears"
    assert result.dispositions[:2] == (D.RISK, D.TASK)
    assert result.risk_level is RiskLevel.ORANGE


def test_the_matter_behind_a_group_keeps_its_dispositions():
    result = classify("我们小区七八十户业主明天要在售楼部门口集合，为了物业乱收费的事")

    assert result.group is G.PETITION_GROUP
    assert D.RISK in result.dispositions
    assert D.TASK in result.dispositions
