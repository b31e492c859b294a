"""The org directory on the running service: the demo county loaded once, reads, admin-only
validated changes, every change published on the compacted ``dispatch.directory.v1``, and the
on-duty lookup escalations rely on."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from pingan_common.bus.topic_reader import read_topic
from pingan_common.county_time import COUNTY_TZ as COUNTY_TIMEZONE
from pingan_common.events import parse_event
from pingan_common.events.dispatch import (
    DirectoryRosterChanged,
    DirectoryStaffChanged,
    DirectoryUnitChanged,
)
from pingan_common.events.topics import DISPATCH_DIRECTORY
from pingan_common.refdata import load_county
from pingan_common.testing.services import eventually
from pingan_dispatch.demo.directory import load_demo_directory, setup_directory_and_routing
from pingan_dispatch.directory.service import county_day
from pingan_dispatch.routing.engine import on_duty, supervisor_of

ADMIN = "admin"
COUNTY = load_county()
DIRECTORY_TYPES = tuple(
    e.event_type() for e in (DirectoryUnitChanged, DirectoryStaffChanged, DirectoryRosterChanged)
)


@pytest.fixture(scope="module", autouse=True)
async def demo_directory(dispatch):  # type: ignore[no-untyped-def]
    # Idempotent: whether or not the app's start-up hook already ran it, this leaves the
    # demo county loaded exactly once.
    await setup_directory_and_routing(dispatch.service.runtime)


async def put(dispatch, path, body, role=ADMIN):  # type: ignore[no-untyped-def]
    return await dispatch.client.put(path, json=body, headers=dispatch.headers(role))


async def get(dispatch, path, role="dispatcher", **params):  # type: ignore[no-untyped-def]
    response = await dispatch.client.get(path, params=params, headers=dispatch.headers(role))
    assert response.status_code == 200, response.text
    return response.json()


async def directory_events(dispatch, subject: str) -> list:  # type: ignore[no-untyped-def]
    """Directory events for ``subject`` read back from the topic, oldest first."""
    settings = dispatch.service.settings.kafka
    records = await read_topic(settings, DISPATCH_DIRECTORY)
    return [parse_event(r.value) for r in records if r.key == subject.encode()]


async def latest_event(dispatch, subject: str, version: int):  # type: ignore[no-untyped-def]
    """The newest event for ``subject`` once the relay has published ``version``."""

    async def probe():  # type: ignore[no-untyped-def]
        events = await directory_events(dispatch, subject)
        return events if events and events[-1].data.version == version else None

    return (await eventually(probe))[-1]


def village_unit(code: str = "331199001001-XT", **changes):  # type: ignore[no-untyped-def]
    body = {
        "name": "幸福社区新业态党群服务站",
        "kind": "village_committee",
        "area_code": code.split("-")[0],
        "parent_code": "331199001-ZZ",
        "phone": "0578-6999001",
    }
    return {**body, **changes}


# --- the demo county -----------------------------------------------------------------------------


async def test_the_demo_county_is_loaded_with_supervisors_contacts_and_the_hierarchy(dispatch):
    village = await get(dispatch, "/v1/directory/units/331199001001-CWH")
    township = await get(dispatch, "/v1/directory/units/331199001-ZZ")
    center = await get(dispatch, "/v1/directory/units/331199-CC")

    assert village["supervisor"] == {"code": "331199001-ZZ", "name": "城关街道综治中心"}
    assert village["parent_code"] == "331199001-ZZ"
    assert {"kind": "phone", "value": "0578-6000036", "label": None} in village["contacts"]
    assert township["supervisor"]["code"] == "331199-CC"
    assert township["children_count"] == sum(
        1 for u in COUNTY.units if u.parent_code == "331199001-ZZ"
    )
    assert center["supervisor"] is None
    assert [s["duty"] for s in center["on_duty_today"]].count("leader") >= 1


async def test_units_can_be_listed_by_kind_parent_and_area_page_by_page(dispatch):
    townships = await get(dispatch, "/v1/directory/units", kind="township_center")
    villages = await get(
        dispatch, "/v1/directory/units", kind="village_committee", area="331199001"
    )
    children = await get(dispatch, "/v1/directory/units", parent="331199001-ZZ", limit=500)

    assert len(townships["items"]) == 8
    assert {u["area_code"][:9] for u in villages["items"]} == {"331199001"}
    assert {u["code"] for u in children["items"]} >= {"331199001-TC", "331199001001-CWH"}
    codes, cursor = [], None
    while True:
        page = await get(
            dispatch, "/v1/directory/units", limit=70, **({"cursor": cursor} if cursor else {})
        )
        codes += [u["code"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert codes == sorted(codes)
    assert set(codes) >= {u.code for u in COUNTY.units}


async def test_every_township_and_the_county_have_leaders_in_the_staff_list(dispatch):
    leaders = (await get(dispatch, "/v1/directory/staff", role="leader", limit=100))["items"]

    units = {member["unit_code"] for member in leaders}
    assert units >= {
        u.code for u in COUNTY.units if u.kind in ("township_center", "command_center")
    }
    assert {"leader1", "leader2"} <= {member["user_id"] for member in leaders}


async def test_loading_the_demo_county_again_changes_and_publishes_nothing(dispatch):
    runtime = dispatch.service.runtime
    before = await dispatch.scalar(
        "SELECT count(*) FROM outbox WHERE event_type = ANY(:types)", types=list(DIRECTORY_TYPES)
    )

    published = await load_demo_directory(runtime)

    after = await dispatch.scalar(
        "SELECT count(*) FROM outbox WHERE event_type = ANY(:types)", types=list(DIRECTORY_TYPES)
    )
    assert published == 0
    assert after == before > 300  # units, staff and rosters were published once


async def test_a_restart_keeps_an_admins_edit_of_a_reference_data_unit(dispatch):
    path = "/v1/directory/units/331199005-ZZ"
    unit = await get(dispatch, path)
    body = {
        "name": unit["name"],
        "kind": unit["kind"],
        "area_code": unit["area_code"],
        "parent_code": unit["parent_code"],
        "email": "zzzx@beiba.example.invalid",
    }
    edited = await put(dispatch, path, body)

    published = await load_demo_directory(dispatch.service.runtime)

    after = await get(dispatch, path)
    assert edited.status_code == 200, edited.text
    assert published == 0
    assert after["version"] == unit["version"] + 1
    assert {"kind": "email", "value": "zzzx@beiba.example.invalid", "label": None} in after[
        "contacts"
    ]


async def test_the_initial_directory_is_on_the_compacted_topic(dispatch):
    today = county_day(dispatch.service.runtime.now())
    township = await get(dispatch, "/v1/directory/units/331199001-ZZ")
    leader = await get(dispatch, "/v1/directory/staff/leader2")
    (rosters,) = (
        await get(dispatch, "/v1/directory/rosters", unit="331199001-ZZ", day=str(today))
    )["items"]

    unit = await latest_event(dispatch, "331199001-ZZ", township["version"])
    staff = await latest_event(dispatch, "leader2", leader["version"])
    roster = await latest_event(dispatch, f"331199001-ZZ/{today}", rosters["version"])

    assert isinstance(unit, DirectoryUnitChanged)
    assert (unit.data.kind, unit.data.supervisor_code) == ("township", "331199-CC")
    assert isinstance(staff, DirectoryStaffChanged) and staff.data.roles == ["leader"]
    assert isinstance(roster, DirectoryRosterChanged)
    assert [s.user_id for s in roster.data.shifts] == [s["user_id"] for s in rosters["shifts"]]


async def test_the_directory_topic_is_created_compacted(dispatch):
    settings = dispatch.service.settings.kafka
    admin = AIOKafkaAdminClient(**settings.connection())
    await admin.start()
    try:
        resource = ConfigResource(ConfigResourceType.TOPIC, settings.topic(DISPATCH_DIRECTORY))
        (response,) = await admin.describe_configs([resource])
    finally:
        await admin.close()
    configs = {entry[0]: entry[1] for entry in response.resources[0][4]}
    assert configs.get("cleanup.policy") == "compact"


# --- unit changes --------------------------------------------------------------------------------


async def test_only_admins_may_change_the_directory(dispatch):
    for role in ("dispatcher", "leader", "handler"):
        response = await put(
            dispatch, "/v1/directory/units/331199001001-XA", village_unit("331199001001-XA"), role
        )
        assert response.status_code == 403, role
    assert (
        await dispatch.client.get("/v1/directory/units/331199001001-XA", headers=dispatch.headers())
    ).status_code == 404


async def test_a_new_unit_is_created_then_versioned_and_each_change_published(dispatch):
    code = "331199001001-XT"
    created = await put(dispatch, f"/v1/directory/units/{code}", village_unit(code))
    changed = await put(
        dispatch, f"/v1/directory/units/{code}", village_unit(code, phone="0578-6999002")
    )
    unchanged = await put(
        dispatch, f"/v1/directory/units/{code}", village_unit(code, phone="0578-6999002")
    )

    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1
    assert created.json()["supervisor_code"] == "331199001-ZZ"  # the default for a village
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert unchanged.json()["version"] == 2
    event = await latest_event(dispatch, code, 2)
    assert {"kind": "phone", "value": "0578-6999002", "label": None} in [
        c.model_dump() for c in event.data.contacts
    ]
    assert [e.data.version for e in await directory_events(dispatch, code)] == [1, 2]


async def test_an_unknown_parent_is_rejected(dispatch):
    response = await put(
        dispatch,
        "/v1/directory/units/331199001001-XB",
        village_unit("331199001001-XB", parent_code="331199001-NOPE"),
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "parent_code"
    assert "does not exist" in response.json()["errors"][0]["message"]


async def test_a_parent_below_the_unit_itself_is_a_cycle_and_rejected(dispatch):
    township = await get(dispatch, "/v1/directory/units/331199002-ZZ")
    body = {
        "name": township["name"],
        "kind": "township_center",
        "area_code": "331199002",
        "parent_code": "331199002001-CWH",  # one of its own villages
    }

    response = await put(dispatch, "/v1/directory/units/331199002-ZZ", body)

    assert response.status_code == 422
    assert "cycle" in response.json()["detail"]
    unit = await get(dispatch, "/v1/directory/units/331199002-ZZ")
    assert unit["parent_code"] == "331199-CC" and unit["version"] == township["version"]


async def test_a_supervisor_cycle_is_rejected(dispatch):
    body = {
        "name": "青山县社会治理指挥中心",
        "kind": "command_center",
        "area_code": "331199",
        "parent_code": None,
        "supervisor_code": "331199001-ZZ",  # which the command center supervises
    }

    response = await put(dispatch, "/v1/directory/units/331199-CC", body)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "supervisor_code"


@pytest.mark.parametrize(
    ("code", "changes", "field"),
    [
        ("331199001001_bad", {"area_code": "331199001001"}, "code"),
        ("331199002001-XC", {"area_code": "331199002001"}, "area_code"),  # outside its parent
        ("331199001001-XD", {"area_code": "331199001002"}, "area_code"),  # code ≠ area
        ("331199001001-XE", {"parent_code": None}, "parent_code"),  # only the center is a root
    ],
)
async def test_unit_codes_areas_and_roots_are_validated(dispatch, code, changes, field):
    response = await put(dispatch, f"/v1/directory/units/{code}", village_unit(code, **changes))

    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_a_unit_with_active_children_cannot_be_deactivated(dispatch):
    body = {
        "name": "幸福社区居民委员会",
        "kind": "village_committee",
        "area_code": "331199001001",
        "parent_code": "331199001-ZZ",
        "active": False,
    }

    response = await put(dispatch, "/v1/directory/units/331199001001-CWH", body)

    assert response.status_code == 422
    assert "active units still report to" in response.json()["detail"]


async def test_a_stale_expected_version_is_a_conflict(dispatch):
    code = "331199001001-XF"
    await put(dispatch, f"/v1/directory/units/{code}", village_unit(code))

    response = await put(
        dispatch, f"/v1/directory/units/{code}", village_unit(code, name="改名", expected_version=7)
    )

    assert response.status_code == 409
    assert response.json()["current_version"] == 1


# --- staff and rosters ---------------------------------------------------------------------------


async def test_staff_changes_are_validated_versioned_and_published(dispatch):
    body = {
        "name": "钱小红",
        "roles": ["handler", "leader"],
        "unit_code": "331199003-ZZ",
        "area_code": "331199003",
        "phone": "13800009999",
    }
    created = await put(dispatch, "/v1/directory/staff/handler_xihu2", body)
    wrong_unit = await put(
        dispatch, "/v1/directory/staff/handler_xihu3", {**body, "unit_code": "331199-NOPE"}
    )
    outside = await put(
        dispatch, "/v1/directory/staff/handler_xihu3", {**body, "area_code": "331199004"}
    )
    bad_role = await put(dispatch, "/v1/directory/staff/handler_xihu3", {**body, "roles": ["boss"]})

    assert created.status_code == 201, created.text
    assert wrong_unit.status_code == outside.status_code == bad_role.status_code == 422
    event = await latest_event(dispatch, "handler_xihu2", 1)
    assert event.data.roles == ["handler", "leader"] and event.data.unit_code == "331199003-ZZ"


def _day_shift(day, user_id, duty="leader", hours=24):  # type: ignore[no-untyped-def]
    starts = datetime.combine(day, time(8, 30), tzinfo=COUNTY_TIMEZONE)
    return {
        "user_id": user_id,
        "duty": duty,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=hours)).isoformat(),
    }


async def test_a_roster_set_by_an_admin_decides_who_is_on_duty_day_and_night(dispatch):
    runtime = dispatch.service.runtime
    day = county_day(runtime.now()) + timedelta(days=3)
    path = f"/v1/directory/rosters/331199002-ZZ/{day}"

    response = await put(dispatch, path, {"shifts": [_day_shift(day, "leader_331199002_1")]})

    assert response.status_code == 200, response.text  # the demo rotation existed: replaced
    assert response.json()["generated"] is False
    noon = datetime.combine(day, time(12), tzinfo=COUNTY_TIMEZONE)
    night = datetime.combine(day + timedelta(days=1), time(3), tzinfo=COUNTY_TIMEZONE)
    async with runtime.transaction() as session:
        assert await on_duty(session, "331199002-ZZ", noon) == ["leader_331199002_1"]
        assert await on_duty(session, "331199002-ZZ", night) == ["leader_331199002_1"]
    event = await latest_event(dispatch, f"331199002-ZZ/{day}", 2)
    assert [s.user_id for s in event.data.shifts] == ["leader_331199002_1"]
    listed = await get(dispatch, "/v1/directory/rosters", unit="331199002-ZZ", day=str(day))
    assert listed["items"][0]["shifts"][0]["name"]


async def test_an_empty_roster_falls_back_to_the_units_leaders(dispatch):
    runtime = dispatch.service.runtime
    day = county_day(runtime.now()) + timedelta(days=4)
    await put(dispatch, f"/v1/directory/rosters/331199004-ZZ/{day}", {"shifts": []})
    # The day before still has its night shift until 08:30; ask after it.
    afternoon = datetime.combine(day, time(15), tzinfo=COUNTY_TIMEZONE)

    async with runtime.transaction() as session:
        leaders = await on_duty(session, "331199004-ZZ", afternoon)

    assert leaders == ["leader_331199004_1", "leader_331199004_2"]


@pytest.mark.parametrize(
    ("shift_changes", "field"),
    [
        ({"user_id": "nobody"}, "shifts[0].user_id"),
        ({"user_id": "handler3"}, "shifts[0].duty"),  # not a leader
        ({"hours": 30}, "shifts[0]"),
    ],
)
async def test_roster_shifts_are_validated(dispatch, shift_changes, field):
    day = county_day(dispatch.service.runtime.now()) + timedelta(days=5)
    shift = _day_shift(
        day,
        shift_changes.get("user_id", "leader_331199003_1"),
        hours=shift_changes.get("hours", 24),
    )

    response = await put(dispatch, f"/v1/directory/rosters/331199003-ZZ/{day}", {"shifts": [shift]})

    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_a_shift_must_start_on_its_rosters_day(dispatch):
    day = county_day(dispatch.service.runtime.now()) + timedelta(days=6)
    shift = _day_shift(day + timedelta(days=1), "leader_331199003_1")

    response = await put(dispatch, f"/v1/directory/rosters/331199003-ZZ/{day}", {"shifts": [shift]})

    assert response.status_code == 422
    assert "must start on" in response.text


async def test_escalations_find_the_supervisor_and_a_leader_on_duty_now(dispatch):
    runtime = dispatch.service.runtime
    now = runtime.now()
    async with runtime.transaction() as session:
        township = await supervisor_of(session, "331199001001-CWH")
        county = await supervisor_of(session, "331199001-ZZ")
        top = await supervisor_of(session, "331199-CC")
        department = await supervisor_of(session, "331199-D-RS")
        leaders = await on_duty(session, township, now)
        county_leaders = await on_duty(session, county, now)
        dispatchers = await on_duty(session, county, now, duty="dispatcher")

    assert (township, county, top, department) == ("331199001-ZZ", "331199-CC", None, "331199-CC")
    assert len(leaders) == 1 and leaders[0] in {"leader2", "leader_331199001_2"}
    assert len(county_leaders) == 1 and county_leaders[0] in {"leader1", "leader_331199_2"}
    assert len(dispatchers) == 1 and dispatchers[0] in {"dispatcher1", "dispatcher2"}


# --- area scope of admins and of staff contacts --------------------------------------------------

CHENGGUAN, CHENGNAN = "331199001", "331199002"


async def test_a_townships_admin_changes_only_its_own_townships_units(dispatch):
    own = village_unit("331199001001-XB")
    other = village_unit("331199002001-XB", parent_code="331199002-ZZ")
    moved_out = {**own, "area_code": "331199002001", "parent_code": "331199002-ZZ"}

    created = await put(dispatch, "/v1/directory/units/331199001001-XB", own)
    scoped = {"role": "admin"}
    refused_other = await dispatch.client.put(
        "/v1/directory/units/331199002001-XB",
        json=other,
        headers=dispatch.headers(**scoped, area=CHENGGUAN),
    )
    refused_move = await dispatch.client.put(
        "/v1/directory/units/331199001001-XB",
        json=moved_out,
        headers=dispatch.headers(**scoped, area=CHENGGUAN),
    )
    refused_existing = await dispatch.client.put(
        "/v1/directory/units/331199001001-XB",
        json={**own, "name": "改名"},
        headers=dispatch.headers(**scoped, area=CHENGNAN),
    )
    allowed = await dispatch.client.put(
        "/v1/directory/units/331199001001-XB",
        json={**own, "name": "城关新业态党群服务站"},
        headers=dispatch.headers(**scoped, area=CHENGGUAN),
    )

    assert created.status_code == 201, created.text
    assert refused_other.status_code == refused_move.status_code == 403
    assert refused_existing.status_code == 403
    assert allowed.status_code == 200, allowed.text
    unit = await get(dispatch, "/v1/directory/units/331199001001-XB")
    assert unit["name"] == "城关新业态党群服务站" and unit["area_code"] == "331199001001"
    missing = await dispatch.client.get(
        "/v1/directory/units/331199002001-XB", headers=dispatch.headers()
    )
    assert missing.status_code == 404


async def test_a_townships_admin_changes_only_its_own_staff_and_rosters(dispatch):
    body = {
        "name": "孙小燕",
        "roles": ["handler"],
        "unit_code": "331199002-ZZ",
        "area_code": CHENGNAN,
        "phone": "13800007777",
    }
    township_admin = dispatch.headers("admin", area=CHENGGUAN)
    refused_staff = await dispatch.client.put(
        "/v1/directory/staff/handler_chengnan9", json=body, headers=township_admin
    )
    tomorrow = county_day(datetime.now(COUNTY_TIMEZONE)) + timedelta(days=200)
    refused_roster = await dispatch.client.put(
        f"/v1/directory/rosters/331199002-ZZ/{tomorrow.isoformat()}",
        json={"shifts": [_day_shift(tomorrow, "leader2")]},
        headers=township_admin,
    )

    assert refused_staff.status_code == 403, refused_staff.text
    assert refused_roster.status_code == 403, refused_roster.text
    missing = await dispatch.client.get(
        "/v1/directory/staff/handler_chengnan9", headers=dispatch.headers()
    )
    assert missing.status_code == 404
    rosters = await get(dispatch, "/v1/directory/rosters", unit="331199002-ZZ", day=tomorrow)
    assert rosters["items"] == []


async def test_staff_mobiles_are_clear_only_to_dispatchers_and_admins_covering_the_area(dispatch):
    body = {
        "name": "周小梅",
        "roles": ["handler"],
        "unit_code": "331199001-ZZ",
        "area_code": CHENGGUAN,
        "phone": "13800006666",
    }
    assert (await put(dispatch, "/v1/directory/staff/handler_chengguan9", body)).status_code == 201

    def phone_as(role: str, area: str | None = None) -> str:
        return phones[(role, area)]

    phones = {}
    for role, area in [
        ("dispatcher", None),
        ("admin", CHENGGUAN),
        ("dispatcher", CHENGNAN),
        ("handler", CHENGGUAN),
        ("leader", None),
        ("grid_worker", CHENGGUAN),
    ]:
        claims = {"area": area} if area else {}
        one = await dispatch.client.get(
            "/v1/directory/staff/handler_chengguan9", headers=dispatch.headers(role, **claims)
        )
        listed = await dispatch.client.get(
            "/v1/directory/staff",
            params={"unit": "331199001-ZZ", "limit": 500},
            headers=dispatch.headers(role, **claims),
        )
        assert one.status_code == listed.status_code == 200, (role, one.text)
        [in_list] = [m for m in listed.json()["items"] if m["user_id"] == "handler_chengguan9"]
        assert in_list["phone"] == one.json()["phone"]
        phones[(role, area)] = one.json()["phone"]

    assert phone_as("dispatcher") == phone_as("admin", CHENGGUAN) == "13800006666"
    for masked in [
        ("dispatcher", CHENGNAN),
        ("handler", CHENGGUAN),
        ("leader", None),
        ("grid_worker", CHENGGUAN),
    ]:
        assert phone_as(*masked) == "138****6666", masked
