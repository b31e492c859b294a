"""Routing rules, pure: who handles a ticket, and which rule says so."""

from __future__ import annotations

import pytest

from pingan_common.refdata import load_county
from pingan_dispatch.routing import (
    COMMAND_CENTER,
    DEPARTMENT_FOR_CODE,
    DEPARTMENT_FOR_GROUP,
    RoutingRequest,
    route,
)


def _route(group: str, code: str | None = None, township: str | None = None):  # type: ignore[no-untyped-def]
    return route(RoutingRequest(category_group=group, category_code=code, township_code=township))


def test_a_subcategory_owned_by_a_utility_goes_to_that_utility():
    decision = _route("city_service", "gas_leak", township="331199001")

    assert decision.unit_code == "331199-D-RQ"
    assert decision.rule_id == "R-CODE-DEPARTMENT"
    assert "gas_leak" in decision.reason


def test_the_subcategory_rule_wins_over_the_group_rule():
    # safety_hazard belongs to 应急管理局, but a dangerous building is 住建局's.
    decision = _route("safety_hazard", "dangerous_building", township="331199001")

    assert (decision.unit_code, decision.rule_id) == ("331199-D-ZJ", "R-CODE-DEPARTMENT")


@pytest.mark.parametrize(
    ("group", "department"),
    [
        ("public_order", "331199-D-GA"),
        ("safety_hazard", "331199-D-YJ"),
        ("petition_group", "331199-D-XF"),
        ("key_population", "331199-D-GA"),
        ("extreme_threat", "331199-D-GA"),
    ],
)
def test_a_group_owned_by_a_department_goes_to_that_department(group: str, department: str):
    decision = _route(group, "something_else", township="331199002")

    assert (decision.unit_code, decision.rule_id) == (department, "R-GROUP-DEPARTMENT")


@pytest.mark.parametrize("group", ["city_service", "dispute"])
def test_a_city_matter_or_dispute_stays_in_the_township_where_it_happened(group: str):
    decision = _route(group, "street_light", township="331199003")

    assert decision.unit_code == "331199003-ZZ"
    assert decision.rule_id == "R-TOWNSHIP"


def test_lowest_level_first_a_street_light_goes_to_the_township_not_a_county_department():
    decision = _route("city_service", "street_light", township="331199001")

    assert not decision.unit_code.startswith("331199-")


def test_a_city_matter_without_a_township_goes_to_the_city_management_bureau():
    decision = _route("city_service", "street_light", township=None)

    assert decision.unit_code == "331199-D-CG"
    assert decision.rule_id == "R-CITY-DEPARTMENT-UNLOCATED"


def test_a_dispute_without_a_township_goes_to_the_county_command_center_not_city_management():
    decision = _route("dispute", "neighbour", township=None)

    assert decision.unit_code == COMMAND_CENTER
    assert decision.rule_id == "R-FALLBACK-COUNTY"


def test_a_ticket_no_rule_matches_falls_back_to_the_county_command_center():
    decision = _route("consultation", "policy", township="331199001")

    assert decision.unit_code == COMMAND_CENTER == "331199-CC"
    assert decision.rule_id == "R-FALLBACK-COUNTY"


def test_every_decision_explains_itself():
    requests = [
        ("city_service", "gas_leak", "331199001"),
        ("public_order", None, "331199001"),
        ("dispute", None, "331199001"),
        ("city_service", None, None),
        ("consultation", None, None),
    ]
    decisions = [_route(*request) for request in requests]

    assert len({d.rule_id for d in decisions}) == len(requests)
    assert all(d.reason for d in decisions)


def test_every_unit_the_rules_name_exists_in_the_county_directory():
    county = load_county()
    named = {
        COMMAND_CENTER,
        "331199-D-CG",
        *DEPARTMENT_FOR_CODE.values(),
        *DEPARTMENT_FOR_GROUP.values(),
        *(_route("city_service", None, t.code).unit_code for t in county.townships),
    }

    assert {code for code in named if county.unit(code) is None} == set()
