"""并单 across address variants, through the real service (PostgreSQL and broker): callers who
write one stairwell differently are one place; two buildings of one estate are two.

The module has its own database (the service tests' module fixtures). The operator picks the
subcategory (``category_code``), so these tests judge the place, not the classifier.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pingan_common.refdata import load_county
from pingan_intake.models import Ticket, messaging
from services.intake.tests.service.conftest import lone_phone
from services.intake.tests.service.ticket_actions import stored

OUTBOX = messaging.outbox
REGISTERED = "pingan.intake.ticket.registered.v1"
MERGED = "pingan.intake.ticket.merged.v1"
ESTATE = next(place for place in load_county().places if place.name == "翠湖名苑")

GAS_SMELL = [
    "楼道里煤气味很重，怀疑燃气泄漏",
    "我们单元楼梯间一股煤气味，是不是漏气了",
    "楼道里闻到很浓的燃气味道，赶紧派人来看看",
    "一进单元门就是液化气的臭味，怕出事",
    "楼梯间燃气味很大，好像哪里泄漏了",
    "楼道煤气味好重，麻烦派人看一下是不是漏气",
]


def call(description: str, location: dict[str, Any], code: str = "gas_leak") -> dict[str, Any]:
    return {
        "channel": "hotline_12345",
        "description": description,
        "caller": {"name": "来电人", "phone": lone_phone()},
        "location": location,
        "category_code": code,
    }


async def outbox_types(api, ticket_ids: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    rows = await api.rows(select(OUTBOX.c.event_type).where(OUTBOX.c.message_key.in_(ticket_ids)))
    return sorted(row.event_type for row in rows)


async def test_six_callers_writing_one_stairwell_three_ways_become_one_ticket_and_one_task(api):
    addresses: list[dict[str, Any]] = [
        {"address": "翠湖名苑7幢1单元"},
        {"address": "翠湖名苑7号楼"},
        # Only the flat, and the point the operator's map gave: the estate comes from the grid.
        {"address": "7-1-301", "lon": ESTATE.lon, "lat": ESTATE.lat},
        {"address": "翠湖名苑七栋一单元301"},
        {"address": "城关街道翠湖名苑小区7栋1单元402室"},
        {"address": "翠湖小区7-1-502"},
    ]

    tickets = [
        await api.register(call(text, where))
        for text, where in zip(GAS_SMELL, addresses, strict=True)
    ]

    master, *others = tickets
    assert master["status"] == "registered"
    assert [t["status"] for t in others] == ["merged"] * 5
    assert (await stored(api, master["id"])).caller_count == 6
    for other in others:
        assert str((await stored(api, other["id"])).master_ticket_id) == master["id"]
    # Dispatch opens a task for each ticket.registered; a merged call publishes ticket.merged.
    types = await outbox_types(api, [t["id"] for t in tickets])
    assert types == sorted([REGISTERED] + [MERGED] * 5)
    keys = {(await stored(api, t["id"])).place_key for t in tickets}
    assert keys == {"翠湖名苑|7|1", "翠湖名苑|7|", "|7|1"}


async def test_an_estate_the_gazetteer_does_not_know_still_merges_across_variants(api):
    addresses = ["城关街道阳光水岸3幢2单元", "城关街道阳光水岸小区3号楼", "城关街道阳光水岸3-2-601"]

    tickets = [
        await api.register(call(text, {"address": address}))
        for text, address in zip(GAS_SMELL, addresses, strict=False)
    ]

    assert [t["status"] for t in tickets] == ["registered", "merged", "merged"]
    assert (await stored(api, tickets[0]["id"])).caller_count == 3


async def test_two_matters_in_one_building_stay_two_tickets(api):
    gas = await api.register(call(GAS_SMELL[0], {"address": "翠湖名苑9幢2单元"}))
    lift = await api.register(
        call("9号楼2单元的电梯困人了，里面有老人", {"address": "翠湖名苑9号楼"}, "elevator")
    )

    assert [gas["status"], lift["status"]] == ["registered", "registered"]
    assert await outbox_types(api, [gas["id"], lift["id"]]) == [REGISTERED, REGISTERED]


async def test_one_matter_in_two_buildings_of_one_estate_stays_two_tickets(api):
    # One grid, points about 50 m apart: only the building numbers tell the two leaks apart.
    near = {"lon": ESTATE.lon + 0.0003, "lat": ESTATE.lat + 0.0003}
    first = await api.register(
        call(GAS_SMELL[0], {"address": "翠湖名苑3幢1单元", "lon": ESTATE.lon, "lat": ESTATE.lat})
    )
    second = await api.register(call(GAS_SMELL[1], {"address": "翠湖名苑11号楼", **near}))
    third = await api.register(call(GAS_SMELL[2], {"address": "翠湖名苑三栋一单元"}))

    assert [first["status"], second["status"]] == ["registered", "registered"]
    assert third["status"] == "merged"
    assert str((await stored(api, third["id"])).master_ticket_id) == first["id"]
    rows = await api.rows(
        select(Ticket.grid_code).where(Ticket.id.in_([first["id"], second["id"]]))
    )
    assert {row.grid_code for row in rows} == {ESTATE.grid_code}
