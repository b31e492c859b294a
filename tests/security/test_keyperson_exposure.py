"""Key-person data (重点人员) in no response to an unauthorised role, across every route of every
service, and every authorised read of it in riskassess's audit (issue 14).

One run per module: the security matrix's world (world.py), then in each township a registered
key person with a distinctive name, phone, resident ID, address and guardian, in a grid no
caller's grid worker holds; a call from each by resident ID only and one by phone only (intake
publishes hashes, riskassess matches them and raises the person's alert on the ticket), and a
visit that did not find one of them (脱管: an alert with no ticket). Once the events have flowed
to intake's timeline and notify's deliveries, every GET route of every service's OpenAPI
(matrix.discover: a new route is covered on the next run) is called by every caller that may
not see key-person data — no token, each township's operator, dispatcher, handler, grid worker,
mediator, citizen and API key — against the own township's objects, the other's, none, and
missing ones, with the key person as the ``{person_id}``. No body may hold any of the persons'
values, their registry id or their registry reference (KP-…, which would tie a ticket or an
alert to the registry).

Then the authorised callers (analyst, leader and admin of each township, and the grid worker of
the persons' grid for the visit view) call every GET route too, and every answer that shows a
person's data must have its audit row: that caller, that route, that person.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from pingan_common.testing.services import eventually
from pingan_riskassess.keypersons.access import AUTHORISED_ROLES
from tests.e2e.conftest import Platform
from tests.security.conftest import TOTALS
from tests.security.matrix import (
    SERVICES,
    Builder,
    Caller,
    Outcome,
    Route,
    callers,
    discover,
    plan,
    run,
)
from tests.security.world import GRIDS, TOWNSHIPS, World, build_world


@dataclass(frozen=True)
class KeyPersonData:
    name: str
    phone: str  # as the analyst typed it
    national: str  # as stored and hashed
    resident_id: str  # valid check digit: intake accepts it on a ticket
    address: str
    guardian: str
    grid: str  # registered here: no caller of the matrix is this grid's worker


PERSONS = {
    "331199001": KeyPersonData(
        name="欧阳暴露甲",
        phone="136-5544-0001",
        national="13655440001",
        resident_id="330102199102034566",
        address="城关街道曝光测试巷一号",
        guardian="上官监护甲",
        grid="33119900100102",
    ),
    "331199002": KeyPersonData(
        name="欧阳暴露乙",
        phone="+86 136 5544 0002",
        national="13655440002",
        resident_id="110105199203045676",
        address="东城镇曝光测试巷二号",
        guardian="上官监护乙",
        grid="33119900200102",
    ),
}


@dataclass
class Registered:
    township: str
    data: KeyPersonData
    id: str
    ref: str

    @property
    def needles(self) -> set[str]:
        """Every form in which this person's data could come back."""
        d = self.data
        return {
            d.name,
            d.phone,
            d.national,
            d.resident_id,
            d.resident_id.lower(),
            d.address,
            d.guardian,
            self.id,
            self.id.replace("-", ""),
            self.ref,
        }


@dataclass
class ExposureRun:
    persons: list[Registered]
    unauthorised: list[Outcome]
    authorised: list[Outcome]
    audit: set[tuple[str, str, str]]  # (actor, route, person id)


def _ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), f"{response.request.url}: {response.text}"
    return response.json()


async def _register(platform: Platform, code: str, data: KeyPersonData) -> Registered:
    person = _ok(
        await platform.riskassess.client.post(
            "/v1/key-persons",
            json={
                "category": "community_correction",
                "name": data.name,
                "phone": data.phone,
                "resident_id": data.resident_id,
                "address": data.address,
                "area_code": data.grid,
                "case_officer": f"司法所-{code}",
                "guardian": data.guardian,
                "risk_rating": "orange",
                "visit_interval_days": 3,
            },
            headers={
                **platform.headers("analyst", area=code),
                "Idempotency-Key": str(uuid.uuid4()),
            },
        )
    )
    return Registered(code, data, person["id"], person["ref"])


async def _call(platform: Platform, code: str, description: str, caller: dict) -> dict:
    """A call of its own: a call merged into another ticket (并单) would not be screened."""
    ticket = _ok(
        await platform.intake.client.post(
            "/v1/tickets",
            json={
                "channel": "hotline_12345",
                "description": description,
                "caller": caller,
                "location": {"grid_code": GRIDS[code]},
            },
            headers={**platform.headers("operator"), "Idempotency-Key": str(uuid.uuid4())},
        )
    )
    assert ticket["merged_into"] is None, ticket["merged_into"]
    return ticket


async def _calls_from(platform: Platform, person: Registered) -> list[dict]:
    """One call by resident ID only (another phone, no name), one by phone only."""
    digit = person.township[-1]
    by_id = await _call(
        platform,
        person.township,
        "想咨询一下孩子转学到镇上的小学需要准备哪些材料",
        {"name": "来电群众", "phone": f"1370{digit}555001", "id_number": person.data.resident_id},
    )
    by_phone = await _call(
        platform,
        person.township,
        "楼上邻居养的狗每天半夜狂叫，吵得全家睡不着觉",
        {"phone": person.data.phone},
    )
    return [by_id, by_phone]


async def _events_flowed(platform: Platform, person: Registered, tickets: list[dict]) -> None:
    """The person's alert in riskassess (raised on the first call; the second one lands on the
    same open alert), its line in intake's timeline and its notices in notify, and the second
    call screened: every service holds what the events brought it."""
    county = platform.headers("admin")
    first, *others = tickets

    async def alert_of(ticket: dict) -> list[dict]:
        response = await platform.riskassess.client.get(
            "/v1/alerts", params={"ticket_id": ticket["id"]}, headers=county
        )
        return [a for a in _ok(response)["items"] if a["subject_ref"] == person.ref]

    async def timeline_line(ticket: dict) -> bool:
        view = _ok(await platform.intake.client.get(f"/v1/tickets/{ticket['id']}", headers=county))
        return any(e["step"] == "alert_raised" for e in view["timeline"])

    async def notices(ticket: dict) -> list[dict]:
        response = await platform.notify.client.get(
            "/v1/deliveries", params={"correlation_id": ticket["id"]}, headers=county
        )
        return [
            d for d in _ok(response)["items"] if d["trigger_type"].startswith("pingan.riskassess")
        ]

    async def screened(ticket: dict) -> bool:
        async with platform.riskassess.runtime.transaction() as session:
            found = await session.scalar(
                text("SELECT count(*) FROM contacts WHERE ticket_id = :t"), {"t": ticket["id"]}
            )
        return bool(found)

    await eventually(lambda: alert_of(first))
    await eventually(lambda: timeline_line(first))
    await eventually(lambda: notices(first))
    for ticket in others:
        await eventually(lambda ticket=ticket: screened(ticket))


async def _lose_contact(platform: Platform, person: Registered) -> None:
    """A visit that did not find the person: an orange alert with no ticket, told to leaders."""
    _ok(
        await platform.riskassess.client.post(
            f"/v1/key-persons/{person.id}/visits",
            json={"found": False, "notes": "上门两次均未见本人"},
            headers=platform.headers("analyst", area=person.township),
        )
    )

    async def lost_contact_alert() -> list[dict]:
        response = await platform.riskassess.client.get(
            "/v1/alerts",
            params={"subject_kind": "key_person"},
            headers=platform.headers("admin"),
        )
        return [
            a
            for a in _ok(response)["items"]
            if a["subject_ref"] == person.ref
            and any(s["rule"] == "key_person_lost_contact" for s in a["signals"])
        ]

    (alert,) = await eventually(lost_contact_alert)

    async def told() -> list[dict]:
        response = await platform.notify.client.get(
            "/v1/deliveries",
            params={"correlation_id": alert["ticket_id"]},
            headers=platform.headers("admin"),
        )
        return _ok(response)["items"]

    await eventually(told)


def _fill_unknown_path_params(world: World, routes: list[Route], builders: dict) -> None:
    """A path parameter the world has no object for (a route newer than world.py) gets the
    smallest value its schema takes, so the route is still called, for no object of anyone."""
    known = set(world.shared) | {n for t in world.townships.values() for n in t.values}
    for route in routes:
        for parameter in route.path_params:
            name = parameter["name"]
            if name not in known:
                builder = builders[route.service]
                world.shared[name] = str(builder.instance(parameter.get("schema", {}), {}, name))
                known.add(name)


def _may_see_key_persons(caller: Caller) -> bool:
    return caller.role in AUTHORISED_ROLES


def _grid_workers_of_the_persons(platform: Platform) -> list[Caller]:
    """The grid worker of each person's grid: authorised for the visit view of that grid."""
    found = []
    for code, data in PERSONS.items():
        subject = f"grid-kp-{code}"
        token = platform.stack.auth.token(
            "grid_worker", area=data.grid, unit=f"{data.grid}-WG", subject=subject
        )
        found.append(
            Caller(
                f"grid_worker@{data.grid}",
                "role",
                code,
                {"Authorization": f"Bearer {token}"},
                "grid_worker",
            )
        )
    return found


def _subject(caller: Caller) -> str:
    """The token's subject of an authorised caller, as matrix._claims chose it (analysts,
    leaders, admins) or _grid_workers_of_the_persons did."""
    if caller.role == "grid_worker":
        return f"grid-kp-{caller.township}"
    return f"{caller.role}-{caller.township}"


async def _audit_rows(platform: Platform) -> set[tuple[str, str, str]]:
    async with platform.riskassess.runtime.transaction() as session:
        rows = await session.execute(
            text("SELECT actor, route, unnest(person_ids)::text AS person FROM key_person_audit")
        )
        return {(row.actor, row.route, row.person) for row in rows}


@pytest.fixture(scope="module")
async def exposure(platform: Platform) -> ExposureRun:
    world = await build_world(platform)
    persons = [await _register(platform, code, PERSONS[code]) for code in TOWNSHIPS]
    for person in persons:
        await _events_flowed(platform, person, await _calls_from(platform, person))
    await _lose_contact(platform, persons[0])
    for person in persons:  # ``{person_id}`` routes name the key person
        world.townships[person.township].values["person_id"] = person.id

    apps = {name: getattr(platform, name).app for name in SERVICES}
    reads = [route for route in discover(apps) if route.method == "GET"]
    builders = {name: Builder(world, app.openapi()) for name, app in apps.items()}
    _fill_unknown_path_params(world, reads, builders)
    clients = {name: getattr(platform, name).client for name in SERVICES}
    everyone = callers(platform.stack.auth)
    unauthorised = [c for c in everyone if not _may_see_key_persons(c)]
    authorised = [c for c in everyone if _may_see_key_persons(c)]
    authorised += _grid_workers_of_the_persons(platform)

    denied = await run(plan(reads, unauthorised, builders), clients)
    allowed = await run(plan(reads, authorised, builders), clients)
    TOTALS.append(
        f"key-person exposure: {len(reads)} GET routes; {len(unauthorised)} unauthorised callers"
        f" → {len(denied)} requests, {len(authorised)} authorised → {len(allowed)} requests"
    )
    return ExposureRun(persons, denied, allowed, await _audit_rows(platform))


def _shown(outcome: Outcome, person: Registered) -> set[str]:
    """The person's values in the body, but for those the caller sent (a refusal may name the
    id it was asked for: that tells the caller nothing it did not know)."""
    return {n for n in person.needles - outcome.sent if n in outcome.body}


def _route(outcome: Outcome) -> str:
    return f"{outcome.route.method} {httpx.URL(outcome.url).path}"


@pytest.mark.parametrize("service", SERVICES)
async def test_no_unauthorised_caller_sees_key_person_data_on_any_route(
    exposure: ExposureRun, service: str
) -> None:
    leaks = [
        f"{o.caller.name} {_route(o)} → {o.status}: {sorted(_shown(o, p))}"
        for o in exposure.unauthorised
        if o.route.service == service
        for p in exposure.persons
        if _shown(o, p)
    ]
    assert not leaks, f"{len(leaks)} leaks on {service}:\n" + "\n".join(leaks[:40])


def test_the_sweep_reached_every_read_route_as_every_unauthorised_caller(
    exposure: ExposureRun,
) -> None:
    routes: set[Route] = {o.route for o in exposure.unauthorised}
    assert {r.service for r in routes} == set(SERVICES)
    assert any(r.path == "/v1/key-persons/{person_id}" for r in routes)
    assert any(r.path == "/v1/key-person-visits" for r in routes)
    kinds = {o.caller.kind for o in exposure.unauthorised}
    assert kinds == {"none", "role", "citizen", "api_key"}
    # The alerts the persons' calls raised are there for the readers of alerts: the sweep
    # would pass trivially if the events had not flowed.
    assert len(exposure.authorised) > 0


def test_every_authorised_answer_showing_a_key_person_is_in_the_audit_log(
    exposure: ExposureRun,
) -> None:
    unaudited = []
    shown = 0
    for outcome in exposure.authorised:
        for person in exposure.persons:
            if not _shown(outcome, person) - {person.ref}:
                continue  # the registry reference alone is what alerts carry, not the person
            shown += 1
            row = (_subject(outcome.caller), _route(outcome)[:200], person.id)
            if outcome.status == 200 and row not in exposure.audit:
                unaudited.append(f"{outcome.caller.name} {_route(outcome)} ({person.data.name})")
    assert not unaudited, "\n".join(unaudited[:40])
    # The authorised reads did show the persons: by id, in the list and in the visit view.
    reads = {
        o.route.path for o in exposure.authorised for p in exposure.persons if p.data.name in o.body
    }
    assert {"/v1/key-persons", "/v1/key-persons/{person_id}", "/v1/key-person-visits"} <= reads
    assert shown >= 6
