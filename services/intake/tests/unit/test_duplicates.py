"""The duplicate rules on their own: text similarity, place, merge and repeat decisions."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from pingan_intake.duplicates.rules import (
    DuplicateRules,
    Matter,
    best_merge,
    distance_m,
    is_repeat_of,
    merge_match,
    problem_text,
    repeat_flag,
    same_place,
    text_similarity,
)

RULES = DuplicateRules()
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# About 0.0009° of latitude is 100 m.
LON, LAT = 119.75, 28.15


def matter(description: str, **overrides) -> Matter:
    values = {
        "id": uuid.uuid4(),
        "description": description,
        "category_group": "safety_hazard",
        "category_code": "gas_leak",
        "dispositions": ("task",),
        "caller_phone": f"138{uuid.uuid4().int % 10**8:08d}",
        "grid_code": "33119900100101",
        "address": "城关街道幸福小区3号楼",
        "lon": LON,
        "lat": LAT,
        "registered_at": T0,
    }
    values.update(overrides)
    return Matter(**values)


SAME_MATTER = [
    ("幸福小区3号楼楼道里煤气味很重，怀疑燃气泄漏", "3号楼一楼闻到很浓的煤气味，赶紧派人来看看"),
    ("幸福小区3号楼楼道里煤气味很重，怀疑燃气泄漏", "我们楼里有股燃气味道，好像是漏气了"),
    ("人民路和解放街路口的路灯坏了一个星期了，晚上很黑", "解放街路口路灯不亮好几天了"),
    ("菜市场门口一直有人占道摆摊卖菜，车都过不去", "菜市场门口摆摊的把路堵了"),
    ("工地晚上十一点还在施工，噪音太大睡不着", "隔壁工地半夜施工很吵"),
    ("楼道里堆满了杂物，消防通道被堵死了", "消防通道堆放杂物堵塞"),
]
DIFFERENT_MATTERS = [
    ("楼道堆放杂物堵塞消防通道", "楼道灯坏了"),
    ("楼道里的灯坏了好几天", "楼道里电线裸露很危险"),
    ("3号楼停水了", "3号楼楼道灯坏了"),
    ("幸福小区3号楼楼道里煤气味很重", "幸福小区3号楼电梯困人了"),
]


@pytest.mark.parametrize(("a", "b"), SAME_MATTER)
def test_two_callers_wording_one_problem_differently_are_similar(a, b):
    assert text_similarity(a, b) >= RULES.merge_similarity


@pytest.mark.parametrize(("a", "b"), DIFFERENT_MATTERS)
def test_two_problems_at_one_place_are_not_similar(a, b):
    assert text_similarity(a, b) < RULES.merge_similarity


def test_similarity_is_symmetric_and_one_for_the_same_text():
    a, b = SAME_MATTER[0]
    assert text_similarity(a, b) == pytest.approx(text_similarity(b, a))
    assert text_similarity(a, a) == pytest.approx(1.0)
    assert text_similarity("", a) == 0.0


def test_problem_text_drops_places_and_folds_variants():
    text = problem_text("幸福小区3号楼楼道里天然气泄露了")
    assert "燃气泄漏" in text
    assert "幸福" not in text and "3号楼" not in text and "楼道" not in text


def test_distance_is_about_right_at_county_scale():
    assert distance_m(LON, LAT, LON, LAT + 0.0009) == pytest.approx(100, rel=0.02)
    assert distance_m(LON, LAT, LON + 0.01, LAT) == pytest.approx(980, rel=0.02)


def test_coordinates_decide_the_place_when_both_have_them():
    here = matter("x")
    near = matter("x", lat=LAT + 0.0018, grid_code="33119900100102")  # 200 m, next grid
    far = matter("x", lat=LAT + 0.009)  # 1 km, same grid
    assert same_place(here, near, 300) == "相距约 200 米"
    assert same_place(here, far, 300) is None


def test_without_coordinates_the_grid_then_the_address_decide():
    here = matter("x", lon=None, lat=None)
    assert same_place(here, matter("x", lon=None, lat=None), 300) == "同一网格"
    elsewhere = matter("x", lon=None, lat=None, grid_code=None, address="城关街道幸福小区3号楼 ")
    assert same_place(replace(here, grid_code=None), elsewhere, 300) == "同一地址"
    other = matter("x", lon=None, lat=None, grid_code="33119900100102", address="别处")
    assert same_place(here, other, 300) is None


def test_another_caller_about_the_same_gas_smell_nearby_within_hours_is_merged():
    master = matter(SAME_MATTER[0][0])
    new = matter(SAME_MATTER[0][1], registered_at=T0 + timedelta(hours=2), lat=LAT + 0.0005)
    match = merge_match(new, master, master, RULES)
    assert match is not None
    assert match.master_id == master.id
    assert "米" in match.place and "燃气泄漏" in match.reason("燃气泄漏")


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"category_code": "elevator"}, "another subcategory"),
        ({"description": "楼道灯坏了"}, "another problem"),
        ({"lat": LAT + 0.01}, "a kilometre away"),
        ({"registered_at": T0 + timedelta(hours=6, minutes=1)}, "outside the window"),
        ({"category_group": "extreme_threat", "category_code": "gas_leak"}, "a threat"),
        ({"dispositions": ("police_transfer", "task")}, "a police matter"),
        ({"category_code": None}, "unclassified"),
    ],
)
def test_no_merge_when_one_condition_fails(change, why):
    master = matter(SAME_MATTER[0][0])
    new = matter(SAME_MATTER[0][1], registered_at=T0 + timedelta(hours=1))
    assert merge_match(replace(new, **change), master, master, RULES) is None, why


def test_consultations_are_never_merged_each_caller_is_answered():
    question = {"category_group": "consultation", "category_code": "policy"}
    first = matter("医保什么时候开始交", dispositions=("answer",), **question)
    second = matter("请问医保在哪里交，什么时候交", dispositions=("answer",), **question)
    assert text_similarity(first.description, second.description) >= RULES.merge_similarity
    assert merge_match(second, first, first, RULES) is None


def test_the_masters_own_caller_again_is_a_repeat_not_a_merge():
    master = matter(SAME_MATTER[0][0])
    new = matter(SAME_MATTER[0][1], caller_phone=master.caller_phone)
    assert merge_match(new, master, master, RULES) is None
    assert is_repeat_of(new, master, RULES)


def test_threat_masters_and_closed_or_merged_tickets_take_no_callers():
    new = matter(SAME_MATTER[0][1])
    for master in (
        matter(SAME_MATTER[0][0], dispositions=("police_transfer",)),
        matter(SAME_MATTER[0][0], status="closed"),
        matter(SAME_MATTER[0][0], status="merged", master_id=uuid.uuid4()),
    ):
        assert merge_match(new, master, master, RULES) is None


def test_a_ticket_merged_earlier_brings_its_master_along():
    master = matter("燃气味很大", registered_at=T0 - timedelta(hours=8))
    child = matter(SAME_MATTER[0][0], status="merged", master_id=master.id)
    new = matter(SAME_MATTER[0][1], registered_at=T0 + timedelta(hours=1))
    match = best_merge(new, [child], {master.id: master}, RULES)
    assert match is not None and match.master_id == master.id


def test_best_merge_prefers_the_most_similar_master():
    close = matter("3号楼闻到很浓的煤气味")
    loose = matter("小区里有股怪味")
    new = matter("3号楼一楼闻到很浓的煤气味，赶紧派人来看看")
    masters = {close.id: close, loose.id: loose}
    assert best_merge(new, [loose, close], masters, RULES).master_id == close.id
    assert best_merge(new, [], {}, RULES) is None


def test_same_caller_same_subcategory_within_the_window_is_a_repeat():
    first = matter("3号楼煤气味很重")
    again = matter(
        "还是有燃气味，怎么还没人来",
        caller_phone=first.caller_phone,
        registered_at=T0 + timedelta(days=30),
    )
    assert is_repeat_of(again, first, RULES)
    assert not is_repeat_of(
        replace(again, registered_at=T0 + timedelta(days=30, seconds=1)), first, RULES
    )
    assert not is_repeat_of(replace(again, caller_phone="13900000000"), first, RULES)
    assert not is_repeat_of(
        replace(again, caller_phone=None), replace(first, caller_phone=None), RULES
    )


def test_same_caller_other_subcategory_is_a_repeat_only_with_very_similar_text():
    first = matter("幸福小区3号楼楼道里煤气味很重，怀疑燃气泄漏")
    reworded = matter(
        "幸福小区3号楼楼道里燃气味很重，好像泄漏了",
        category_code="other",
        caller_phone=first.caller_phone,
    )
    unrelated = matter(
        "小区门口路灯坏了", category_code="street_light", caller_phone=first.caller_phone
    )
    assert is_repeat_of(reworded, first, RULES)
    assert not is_repeat_of(unrelated, first, RULES)


def test_the_third_call_is_flagged_prominently():
    assert repeat_flag(1, RULES) is None
    assert repeat_flag(2, RULES) == "repeat"
    assert repeat_flag(3, RULES) == "third_call"
    assert repeat_flag(5, RULES) == "third_call"
    assert repeat_flag(2, DuplicateRules(third_call_count=2)) == "third_call"


# --- place keys ---------------------------------------------------------------------------------

STAIRWELL = "翠湖名苑|7|1"


def keyed(key: str | None, **overrides) -> Matter:  # type: ignore[no-untyped-def]
    """A gas smell without coordinates or grid: only the key and the address text can tell."""
    values = {"grid_code": None, "lon": None, "lat": None, "address": None, "place_key": key}
    return matter("楼道里煤气味很重，怀疑燃气泄漏", **{**values, **overrides})


@pytest.mark.parametrize("other", ["翠湖名苑|7|1", "翠湖名苑|7|"])
def test_keys_of_one_building_of_one_estate_are_one_place(other: str):
    assert same_place(keyed(STAIRWELL), keyed(other), RULES.merge_distance_m) == (
        "同一楼栋（翠湖名苑7栋1单元）"
    )


def test_a_key_without_its_estate_needs_the_grid_or_point_to_agree():
    bare = keyed("|7|1")

    assert same_place(keyed(STAIRWELL), bare, RULES.merge_distance_m) is None
    in_grid = {"grid_code": "33119900100103"}
    assert same_place(keyed(STAIRWELL, **in_grid), keyed("|7|1", **in_grid), 300) == (
        "同一网格，同一楼栋号（翠湖名苑7栋1单元）"
    )


@pytest.mark.parametrize("other", ["翠湖名苑|3|", "翠湖名苑|7|2", "金色家园|7|1"])
def test_conflicting_keys_are_two_places_even_in_one_grid_a_few_metres_apart(other: str):
    here = {"grid_code": "33119900100103", "lon": LON, "lat": LAT}
    near = {"grid_code": "33119900100103", "lon": LON, "lat": LAT + 0.0005}

    assert same_place(keyed(STAIRWELL, **here), keyed(other, **near), 300) is None


def test_one_building_far_apart_by_coordinates_is_two_places():
    here = keyed(STAIRWELL, lon=LON, lat=LAT)
    far = keyed(STAIRWELL, lon=LON, lat=LAT + 0.01)  # ~1.1 km: two estates of one name

    assert same_place(here, far, RULES.merge_distance_m) is None


def test_a_master_is_not_joined_when_one_of_its_callers_names_another_building():
    grid = {"grid_code": "33119900100103"}
    master = keyed("翠湖名苑||", **grid)  # named only the estate
    joined = replace(keyed("翠湖名苑|3|", **grid), master_id=master.id)
    new = keyed("翠湖名苑|7|", **grid, registered_at=T0 + timedelta(minutes=5))

    assert best_merge(new, [master, joined], {master.id: master}, RULES) is None
    same = keyed("翠湖名苑|3|1", **grid, registered_at=T0 + timedelta(minutes=5))
    match = best_merge(same, [master, joined], {master.id: master}, RULES)
    assert match is not None and match.master_id == master.id
