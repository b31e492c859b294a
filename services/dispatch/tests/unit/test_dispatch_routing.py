"""The routing engine, pure: the packaged rules on the demo county's directory, and what a rule
set must satisfy to become active. No database, no broker."""

from __future__ import annotations

import copy
import json
from importlib import resources

import pytest

from pingan_common.refdata import CATEGORY_GROUPS, load_county
from pingan_dispatch.routing.engine import (
    COUNTY_COMMAND_CENTER,
    FALLBACK_RULE_ID,
    DirectorySnapshot,
    DirectoryUnit,
    RoutingRequest,
    explain,
    place_of,
    route,
)
from pingan_dispatch.routing.rules import (
    RuleSetInvalid,
    packaged_rule_set,
    packaged_rules_document,
    parse_rule_set,
)

VILLAGE = "331199001001"  # 城关街道幸福社区
GRID = "33119900100101"
TOWNSHIP = "331199001"  # 城关街道
DEPARTMENTS = [u.code for u in load_county().units if u.kind == "department"]


@pytest.fixture(scope="module")
def directory() -> DirectorySnapshot:
    return DirectorySnapshot.from_refdata()


def decide(directory, group, code=None, *, urgency="normal", area=VILLAGE, rules=None):  # type: ignore[no-untyped-def]
    request = RoutingRequest(group, code, urgency=urgency, area_code=area)
    return route(rules or packaged_rule_set(), directory, request)


def rules_with(change) -> dict:  # type: ignore[no-untyped-def]
    """A copy of the packaged document with ``change`` applied to it."""
    document = copy.deepcopy(packaged_rules_document())
    change(document)
    return document


# --- principles ----------------------------------------------------------------------------------


def test_a_small_dispute_located_to_a_village_stays_in_the_village(directory):
    decision = decide(directory, "dispute", "neighbour", area=GRID)

    assert decision.unit_code == "331199001001-CWH"
    assert decision.unit_name == "幸福社区居民委员会"
    assert decision.co_unit_codes == ("331199001001-TWH",)
    assert decision.rule_id == "R-DISPUTE-SMALL-VILLAGE"
    assert decision.fallback is False
    assert "小事不出村" in decision.reason and "幸福社区居民委员会" in decision.reason


def test_a_small_matter_located_only_to_the_township_goes_to_the_township_center(directory):
    decision = decide(directory, "dispute", "neighbour", area=TOWNSHIP)

    assert decision.unit_code == "331199001-ZZ"
    assert decision.co_unit_codes == ("331199001-TC",)
    assert decision.rule_id == "R-DISPUTE-TOWNSHIP"


def test_a_dispute_the_village_cannot_settle_goes_to_the_township_with_the_village_mediators(
    directory,
):
    decision = decide(directory, "dispute", "traffic_compensation")

    assert decision.unit_code == "331199001-ZZ"
    assert decision.co_unit_codes == ("331199001001-TWH",)
    assert decision.rule_id == "R-DISPUTE-VILLAGE"


def test_wage_arrears_go_to_the_labour_bureau_with_the_township_as_co_handler(directory):
    decision = decide(directory, "dispute", "wage_arrears")

    assert decision.unit_code == "331199-D-RS"
    assert decision.co_unit_codes == ("331199001-ZZ",)
    assert decision.rule_id == "R-WAGE-ARREARS"
    assert "主办" in decision.reason and "城关街道综治中心" in decision.reason


def test_a_department_matter_located_to_a_village_is_not_pushed_down(directory):
    for code in ("gas_leak", "water_outage", "elevator", "pollution", "street_vending"):
        decision = decide(directory, "city_service", code, area=GRID)
        assert decision.unit_code.startswith("331199-D-"), code
        assert not any(c.endswith(("-CWH", "-TWH", "-WG")) for c in decision.co_unit_codes)


def test_a_group_wide_village_rule_skips_department_owned_codes(directory):
    # An admin's rule "every city matter at a village → the village" must not catch gas leaks.
    def add_village_rule(document):  # type: ignore[no-untyped-def]
        document["rules"].insert(
            0,
            {
                "id": "R-ALL-CITY-VILLAGE",
                "priority": 1,
                "match": {"group": "city_service", "area_level": "village"},
                "target": {"unit_kind": "village"},
                "explain": "{place}的城市管理诉求由{unit}处理",
            },
        )

    rules = parse_rule_set(rules_with(add_village_rule), DEPARTMENTS)
    request = RoutingRequest("city_service", "water_outage", area_code=GRID)

    explanation = explain(rules, directory, request)

    assert explanation.decision.unit_code == "331199-D-GS"
    first = explanation.candidates[0]
    assert (first.rule_id, first.outcome) == ("R-ALL-CITY-VILLAGE", "skipped")
    assert "部门职责不下沉" in first.why
    assert decide(directory, "city_service", "street_light", rules=rules).unit_code == (
        "331199001001-CWH"
    )


def test_urgency_specific_rules_send_an_urgent_village_dispute_up_to_the_township(directory):
    normal = decide(directory, "dispute", "neighbour", urgency="normal")
    urgent = decide(directory, "dispute", "neighbour", urgency="urgent")

    assert normal.unit_code == "331199001001-CWH"
    assert urgent.unit_code == "331199001-ZZ"
    assert urgent.rule_id == "R-DISPUTE-URGENT"
    assert urgent.co_unit_codes == ("331199001-TC", "331199001001-TWH")


def test_the_lower_priority_number_wins_when_two_rules_match(directory):
    # Swap priorities: the group-wide township rule now comes before the small-village rule.
    def swap(document):  # type: ignore[no-untyped-def]
        by_id = {rule["id"]: rule for rule in document["rules"]}
        village, township = by_id["R-DISPUTE-SMALL-VILLAGE"], by_id["R-DISPUTE-VILLAGE"]
        village["priority"], township["priority"] = township["priority"], village["priority"]

    swapped = parse_rule_set(rules_with(swap), DEPARTMENTS)

    assert decide(directory, "dispute", "neighbour").rule_id == "R-DISPUTE-SMALL-VILLAGE"
    assert decide(directory, "dispute", "neighbour", rules=swapped).rule_id == "R-DISPUTE-VILLAGE"


def test_nothing_matching_falls_back_to_the_county_command_center(directory):
    decision = decide(directory, "unknown_group", "whatever")

    assert decision.unit_code == COUNTY_COMMAND_CENTER
    assert decision.rule_id == FALLBACK_RULE_ID
    assert decision.fallback is True
    assert "兜底" in decision.reason


def test_a_rule_whose_unit_is_missing_falls_back_and_says_which_rule_matched(directory):
    decision = decide(directory, "city_service", "street_light", area="331199099")

    assert decision.unit_code == COUNTY_COMMAND_CENTER
    assert decision.fallback is True
    assert decision.rule_id == FALLBACK_RULE_ID
    assert "R-CITY-TOWNSHIP" in decision.reason


def test_a_deactivated_department_makes_its_matters_fall_back(directory):
    county = load_county()
    units = [
        DirectoryUnit(u.code, u.name, u.kind, u.area_code, active=u.code != "331199-D-RQ")
        for u in county.units
    ]

    decision = decide(DirectorySnapshot(units), "safety_hazard", "gas_leak")

    assert (decision.unit_code, decision.fallback) == (COUNTY_COMMAND_CENTER, True)
    assert "R-GAS" in decision.reason


def test_an_unlocated_city_matter_goes_to_the_county_city_management_bureau(directory):
    decision = decide(directory, "city_service", "street_light", area="331199")

    assert decision.unit_code == "331199-D-CG"
    assert decision.rule_id == "R-CITY-UNLOCATED"
    assert decision.fallback is False


def test_co_handlers_that_do_not_exist_at_the_place_are_left_out(directory):
    decision = decide(directory, "dispute", "wage_arrears", area="331199")

    assert decision.unit_code == "331199-D-RS"
    assert decision.co_unit_codes == ()
    assert "协办" in decision.reason  # the template still reads: 属地无协办


def test_every_decision_records_the_rules_version(directory):
    assert decide(directory, "dispute", "neighbour").rules_version == "2026.11.1"
    assert decide(directory, "nothing").rules_version == "2026.11.1"


# --- coverage of the taxonomy --------------------------------------------------------------------


def _taxonomy() -> list[dict]:
    path = resources.files("pingan_intake").joinpath("data", "taxonomy.json")
    return json.loads(path.read_text())["subcategories"]


def test_every_taxonomy_code_located_to_a_grid_routes_to_a_real_unit_without_fallback(directory):
    pytest.importorskip("pingan_intake")
    for entry in _taxonomy():
        decision = decide(
            directory, entry["group"], entry["code"], urgency=entry["default_urgency"], area=GRID
        )
        assert not decision.fallback, entry["code"]
        assert directory.get(decision.unit_code) is not None, entry["code"]
        assert "{" not in decision.reason, entry["code"]


@pytest.mark.parametrize("group", CATEGORY_GROUPS)
def test_every_group_routes_even_with_an_unknown_code_and_no_place(directory, group):
    decision = decide(directory, group, "a_code_nobody_knows", area="331199")

    assert not decision.fallback
    assert directory.get(decision.unit_code) is not None


# --- explain -------------------------------------------------------------------------------------


def test_explain_lists_the_rules_checked_before_the_one_that_decided(directory):
    request = RoutingRequest("dispute", "neighbour", area_code=VILLAGE)

    explanation = explain(packaged_rule_set(), directory, request)

    outcomes = [(c.rule_id, c.outcome) for c in explanation.candidates]
    assert outcomes[-1] == ("R-DISPUTE-SMALL-VILLAGE", "chosen")
    assert all(outcome == "skipped" for _, outcome in outcomes[:-1])
    why = {c.rule_id: c.why for c in explanation.candidates}
    assert "类别组不符" in why["R-EXTREME-THREAT"]
    assert "小类neighbour不在" in why["R-WAGE-ARREARS"]
    assert "紧急程度不符" in why["R-DISPUTE-URGENT"]
    assert explanation.place_level == "village"


def test_explain_says_when_the_place_is_not_precise_enough(directory):
    request = RoutingRequest("dispute", "neighbour", area_code=TOWNSHIP)

    explanation = explain(packaged_rule_set(), directory, request)

    why = {c.rule_id: c.why for c in explanation.candidates}
    assert "只定位到乡镇/街道" in why["R-DISPUTE-SMALL-VILLAGE"]


def test_explicit_township_code_is_used_when_the_area_code_is_the_county():
    request = RoutingRequest("city_service", None, area_code="331199", township_code=TOWNSHIP)

    place = place_of(request)

    assert (place.township, place.village, place.level) == (TOWNSHIP, None, "township")


# --- rule set validation -------------------------------------------------------------------------


def _problems(document) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleSetInvalid) as caught:
        parse_rule_set(document, DEPARTMENTS)
    return [problem.message for problem in caught.value.problems]


def test_the_packaged_rule_set_is_valid_against_the_demo_directory():
    rules = parse_rule_set(packaged_rules_document(), DEPARTMENTS)

    assert [r.priority for r in rules.rules] == sorted(r.priority for r in rules.rules)
    assert rules.department_of_code["gas_leak"] == "331199-D-RQ"


def test_a_rule_sending_a_department_code_to_a_village_is_rejected():
    def push_down(document):  # type: ignore[no-untyped-def]
        document["rules"].append(
            {
                "id": "R-GAS-VILLAGE",
                "priority": 5,
                "match": {"codes": ["gas_leak"], "area_level": "village"},
                "target": {"unit_kind": "village"},
                "explain": "{unit}处理",
            }
        )

    (message,) = _problems(rules_with(push_down))

    assert "R-GAS-VILLAGE" in message and "gas_leak" in message
    assert "may not be pushed down to villages" in message


def test_a_department_code_as_a_village_co_handler_is_rejected_too():
    def co_village(document):  # type: ignore[no-untyped-def]
        for rule in document["rules"]:
            if rule["id"] == "R-WAGE-ARREARS":
                rule["co_handlers"].append({"unit_kind": "village_mediation"})

    (message,) = _problems(rules_with(co_village))

    assert "R-WAGE-ARREARS" in message and "wage_arrears" in message


def test_a_code_on_the_duty_list_is_department_work_even_without_a_department_rule():
    def village_rule_for_duty(document):  # type: ignore[no-untyped-def]
        document["department_duties"]["331199-D-CG"].append("garbage")

    messages = _problems(rules_with(village_rule_for_duty))

    assert any("R-CITY-SMALL-VILLAGE" in m and "garbage" in m for m in messages)


def test_duplicate_ids_priorities_unknown_departments_and_placeholders_are_reported():
    def break_it(document):  # type: ignore[no-untyped-def]
        rules = document["rules"]
        rules[1]["id"] = rules[0]["id"]
        rules[2]["priority"] = rules[3]["priority"]
        rules[4]["target"]["department_code"] = "331199-D-XX"
        rules[5]["explain"] = "由{unit}在{where}处理"

    messages = " | ".join(_problems(rules_with(break_it)))

    assert "is used twice" in messages
    assert "priorities must be unique" in messages
    assert "331199-D-XX is not a department" in messages
    assert "unknown placeholders ['where']" in messages


def test_a_village_target_without_a_village_level_match_is_rejected():
    def unlocated_village(document):  # type: ignore[no-untyped-def]
        for rule in document["rules"]:
            if rule["id"] == "R-CITY-SMALL-VILLAGE":
                rule["match"]["area_level"] = "township"

    (message,) = _problems(rules_with(unlocated_village))

    assert "must match places known at least to the village level" in message


def test_structure_errors_are_pydantic_errors():
    from pydantic import ValidationError

    def bad_target(document):  # type: ignore[no-untyped-def]
        document["rules"][0]["target"] = {"unit_kind": "department"}

    with pytest.raises(ValidationError, match="department_code is required"):
        parse_rule_set(rules_with(bad_target))
