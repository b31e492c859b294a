"""Routing rules on the running service: the packaged file stored once, admin-only versioned
edits that become active, rule sets that break a principle refused, and the dry-run explain."""

from __future__ import annotations

import copy
import re

import pytest

from pingan_dispatch.demo.directory import setup_directory_and_routing
from pingan_dispatch.routing.engine import RoutingRequest, route_task
from pingan_dispatch.routing.rules import packaged_rules_document
from pingan_dispatch.routing.store import store_packaged_rules

FILE_VERSION = packaged_rules_document()["version"]
VILLAGE = "331199001001"


@pytest.fixture(scope="module", autouse=True)
async def demo_directory(dispatch):  # type: ignore[no-untyped-def]
    await setup_directory_and_routing(dispatch.service.runtime)


def edited_rules(change=None) -> dict:  # type: ignore[no-untyped-def]
    """The packaged rules as a PUT body, with ``change`` applied to the rules by id."""
    document = copy.deepcopy(packaged_rules_document())
    rules = {rule["id"]: rule for rule in document["rules"]}
    if change:
        change(rules)
    return {"department_duties": document["department_duties"], "rules": list(rules.values())}


def neighbour_disputes_to_the_township(rules) -> None:  # type: ignore[no-untyped-def]
    rules["R-DISPUTE-SMALL-VILLAGE"]["match"]["codes"].remove("neighbour")


async def put_rules(dispatch, body, role="admin"):  # type: ignore[no-untyped-def]
    return await dispatch.client.put("/v1/routing/rules", json=body, headers=dispatch.headers(role))


async def explain(dispatch, role="dispatcher", **body):  # type: ignore[no-untyped-def]
    return await dispatch.client.post(
        "/v1/routing/explain", json=body, headers=dispatch.headers(role)
    )


async def active_version(dispatch) -> str:  # type: ignore[no-untyped-def]
    response = await dispatch.client.get("/v1/routing/rules", headers=dispatch.headers())
    assert response.status_code == 200, response.text
    return response.json()["version"]


async def test_the_packaged_rules_are_stored_once_and_a_restart_stores_nothing(dispatch):
    runtime = dispatch.service.runtime
    async with runtime.transaction() as session:
        stored_again = await store_packaged_rules(session, runtime.now())

    versions = await dispatch.client.get(
        "/v1/routing/rules/versions", headers=dispatch.headers("leader")
    )

    assert stored_again is None
    file_sets = [v for v in versions.json() if v["source"] == "file"]
    assert [v["version"] for v in file_sets] == [FILE_VERSION]
    assert file_sets[0]["rule_count"] == len(packaged_rules_document()["rules"])


async def test_the_active_rules_are_readable_by_dispatchers_but_not_by_handlers(dispatch):
    ok = await dispatch.client.get("/v1/routing/rules", headers=dispatch.headers("dispatcher"))
    denied = await dispatch.client.get("/v1/routing/rules", headers=dispatch.headers("handler"))

    assert ok.status_code == 200
    rules = ok.json()["rules"]
    assert [r["priority"] for r in rules] == sorted(r["priority"] for r in rules)
    assert ok.json()["department_duties"]["331199-D-RS"] == ["wage_arrears", "group_wage_arrears"]
    assert denied.status_code == 403


@pytest.mark.parametrize("role", ["dispatcher", "leader", "operator"])
async def test_only_admins_may_replace_the_rules(dispatch, role):
    before = await active_version(dispatch)

    response = await put_rules(dispatch, edited_rules(neighbour_disputes_to_the_township), role)

    assert response.status_code == 403
    assert await active_version(dispatch) == before


async def test_a_townships_admin_may_not_replace_the_countys_rules(dispatch):
    before = await active_version(dispatch)
    body = edited_rules(neighbour_disputes_to_the_township)

    response = await dispatch.client.put(
        "/v1/routing/rules", json=body, headers=dispatch.headers("admin", area="331199001")
    )

    assert response.status_code == 403, response.text
    assert "county-level" in response.json()["detail"]
    assert await active_version(dispatch) == before


async def test_an_admin_edit_becomes_the_next_active_version_and_routes_new_tasks(dispatch):
    before = await active_version(dispatch)
    body = {**edited_rules(neighbour_disputes_to_the_township), "comment": "邻里纠纷上提到乡镇"}

    response = await put_rules(dispatch, {**body, "expected_version": before})

    assert response.status_code == 200, response.text
    new = response.json()
    assert re.fullmatch(rf"{re.escape(FILE_VERSION)}-r\d+", new["version"])
    assert (new["source"], new["active"], new["created_by"]) == ("admin", True, "admin1")
    versions = (
        await dispatch.client.get("/v1/routing/rules/versions", headers=dispatch.headers())
    ).json()
    assert versions[0]["version"] == new["version"] and versions[0]["active"]
    assert sum(v["active"] for v in versions) == 1
    old = await dispatch.client.get(
        "/v1/routing/rules", params={"version": before}, headers=dispatch.headers()
    )
    assert old.status_code == 200 and old.json()["active"] is False
    runtime = dispatch.service.runtime
    async with runtime.transaction() as session:
        decision = await route_task(
            session, RoutingRequest("dispute", "neighbour", area_code=VILLAGE)
        )
    assert (decision.unit_code, decision.rule_id) == ("331199001-ZZ", "R-DISPUTE-VILLAGE")
    assert decision.rules_version == new["version"]


async def test_a_restart_keeps_the_admins_active_version(dispatch):
    await put_rules(dispatch, edited_rules())
    edited = await active_version(dispatch)

    await setup_directory_and_routing(dispatch.service.runtime)

    assert await active_version(dispatch) == edited


async def test_a_rule_set_pushing_department_work_down_to_villages_is_refused(dispatch):
    before = await active_version(dispatch)

    def gas_to_villages(rules) -> None:  # type: ignore[no-untyped-def]
        rules["R-GAS"]["target"] = {"unit_kind": "village"}
        rules["R-GAS"]["match"]["area_level"] = "village"

    response = await put_rules(dispatch, edited_rules(gas_to_villages))

    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"].startswith("body.rules[") and error["field"].endswith("target.unit_kind")
    assert "may not be pushed down" in error["message"] and "gas_leak" in error["message"]
    assert await active_version(dispatch) == before


async def test_a_rule_naming_a_unit_that_is_no_department_is_refused(dispatch):
    def to_a_township(rules) -> None:  # type: ignore[no-untyped-def]
        rules["R-WATER-SUPPLY"]["target"]["department_code"] = "331199001-ZZ"

    response = await put_rules(dispatch, edited_rules(to_a_township))

    assert response.status_code == 422
    assert "331199001-ZZ is not a department" in response.text


async def test_a_malformed_rule_is_a_validation_error(dispatch):
    def no_target_code(rules) -> None:  # type: ignore[no-untyped-def]
        del rules["R-GAS"]["target"]["department_code"]

    response = await put_rules(dispatch, edited_rules(no_target_code))

    assert response.status_code == 422
    assert "department_code is required" in response.text


async def test_an_edit_based_on_a_stale_version_is_a_conflict(dispatch):
    current = await active_version(dispatch)

    response = await put_rules(dispatch, {**edited_rules(), "expected_version": FILE_VERSION})

    assert response.status_code == 409
    assert response.json()["active_version"] == current


async def test_explain_shows_the_decision_the_rule_and_the_rules_checked(dispatch):
    response = await explain(
        dispatch, category_group="dispute", category_code="wage_arrears", area_code="331199003001"
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["unit"] == {"code": "331199-D-RS", "name": "青山县人力资源和社会保障局"}
    assert body["co_units"] == [{"code": "331199003-ZZ", "name": "西湖镇综治中心"}]
    assert body["rule_id"] == "R-WAGE-ARREARS"
    assert body["rules_version"] == await active_version(dispatch)
    assert body["fallback"] is False and "主办" in body["reason"]
    assert body["place_level"] == "village"
    assert body["candidates"][-1] == {
        "rule_id": "R-WAGE-ARREARS",
        "priority": 130,
        "outcome": "chosen",
        "why": "条件全部满足",
    }
    assert {c["outcome"] for c in body["candidates"][:-1]} == {"skipped"}


async def test_explain_locates_a_point_to_its_grid(dispatch):
    from pingan_common.refdata import load_county

    grid = load_county().grids[0]
    lon, lat = grid.shape.representative_point().coords[0]

    response = await explain(
        dispatch, category_group="city_service", category_code="garbage", lon=lon, lat=lat
    )

    body = response.json()
    assert body["area_code"] == grid.code
    assert body["unit"]["code"] == f"{grid.village_code}-CWH"
    assert body["rule_id"] == "R-CITY-SMALL-VILLAGE"


async def test_explain_reports_the_fallback_when_the_place_has_no_unit(dispatch):
    response = await explain(
        dispatch, category_group="city_service", category_code="street_light", area_code="331199099"
    )

    body = response.json()
    assert body["fallback"] is True
    assert body["unit"]["code"] == "331199-CC"
    assert body["candidates"][-1]["outcome"] == "target_missing"
    assert "兜底" in body["reason"]


async def test_explain_is_for_dispatchers_and_admins_only(dispatch):
    handler = await explain(dispatch, "handler", category_group="dispute")
    admin = await explain(dispatch, "admin", category_group="dispute")

    assert handler.status_code == 403
    assert admin.status_code == 200
    assert admin.json()["rule_id"] == "R-DISPUTE-UNLOCATED"
