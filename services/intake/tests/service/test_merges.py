"""Duplicates through the real service: 并单 at registration, repeat calls, operator merge and
split, concurrent registrations of one matter.

Tests share one service and database, so each works in its own grid with its own phones. The
module's service runs on a clock the tests can move, for the time windows.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from shapely.geometry import shape
from sqlalchemy import select

import pingan_intake.bootstrap
from pingan_common.refdata import load_county
from pingan_common.testing.services import RunningService, TestStack, running_service
from pingan_intake.duplicates import gate
from pingan_intake.models import Ticket, TicketMerge, TimelineEntry, messaging
from pingan_intake.settings import IntakeSettings
from services.intake.tests.service.ticket_actions import post_action, stored

OUTBOX = messaging.outbox
REGISTERED = "pingan.intake.ticket.registered.v1"
MERGED = "pingan.intake.ticket.merged.v1"
SPLIT = "pingan.intake.ticket.split.v1"
GAS_CALLS = [
    "幸福小区3号楼楼道里煤气味很重，怀疑燃气泄漏",
    "3号楼一楼闻到很浓的煤气味，赶紧派人来看看",
    "我们楼里有股燃气味道，好像是漏气了",
]
# Grids of one township (城关街道) first, so several tests share the same advisory-lock keys.
_GRIDS = iter(sorted(load_county().grids, key=lambda g: g.code))


class MovableClock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture(scope="module")
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture(scope="module")
async def intake(module_stack: TestStack, clock: MovableClock) -> AsyncIterator[RunningService]:
    settings = await module_stack.settings(IntakeSettings, "intake")
    async with running_service(pingan_intake.bootstrap, settings, clock=clock) as service:
        yield service


@pytest.fixture(autouse=True)
def _clock_back_to_now(clock: MovableClock) -> None:
    clock.offset = timedelta(0)


_phone_numbers = itertools.count(random.randrange(10_000_000, 80_000_000))


def new_phone() -> str:
    return f"139{next(_phone_numbers):08d}"


def new_grid() -> tuple[str, float, float]:
    """A grid nobody else in this module uses, and a point well inside it."""
    grid = next(_GRIDS)
    point = shape(grid.geometry).representative_point()
    return grid.code, point.x, point.y


def call(description: str, grid: str, *, phone: str | None = None, **location: Any) -> dict:
    return {
        "channel": "hotline_12345",
        "description": description,
        "caller": {"name": "来电人", "phone": phone or new_phone()},
        "location": {"grid_code": grid, **location},
    }


async def event_types(api, ticket_id: str) -> list[str]:
    rows = await api.rows(
        select(OUTBOX.c.event_type).where(OUTBOX.c.message_key == ticket_id).order_by(OUTBOX.c.id)
    )
    return [row.event_type for row in rows]


async def outbox_data(api, ticket_id: str, event_type: str) -> dict:
    rows = await api.rows(
        select(OUTBOX.c.payload).where(
            OUTBOX.c.message_key == ticket_id, OUTBOX.c.event_type == event_type
        )
    )
    assert len(rows) == 1, f"{len(rows)} {event_type} events for {ticket_id}"
    return rows[0].payload["data"]


async def steps(api, ticket_id: str) -> list[str]:
    rows = await api.rows(
        select(TimelineEntry.step)
        .where(TimelineEntry.ticket_id == ticket_id)
        .order_by(TimelineEntry.id)
    )
    return [row.step for row in rows]


async def published_data(broker, ticket_id: str, event_type: str) -> dict:  # type: ignore[no-untyped-def]
    """The data of the ticket's event of that type, as it reached the broker."""
    record = await broker.find(
        "intake.tickets.v1",
        lambda r: r.key == ticket_id.encode() and event_type.encode() in r.value,
    )
    return json.loads(record.value)["data"]


# --- merge at registration ----------------------------------------------------------------------


async def test_three_callers_about_one_gas_smell_become_one_master_with_three_callers(api, broker):
    grid, _, _ = new_grid()
    tickets = [await api.register(call(text, grid)) for text in GAS_CALLS]
    master, second, third = tickets

    assert master["status"] == "registered"
    assert [second["status"], third["status"]] == ["merged", "merged"]
    assert (await stored(api, master["id"])).caller_count == 3
    for child in (second, third):
        row = await stored(api, child["id"])
        assert str(row.master_ticket_id) == master["id"]
    assert await event_types(api, master["id"]) == [REGISTERED]
    assert await event_types(api, second["id"]) == [MERGED]
    assert await event_types(api, third["id"]) == [MERGED]
    record = await broker.find("intake.tickets.v1", lambda r: r.key == third["id"].encode())
    event = json.loads(record.value)
    assert event["type"] == MERGED
    assert event["data"]["master_ticket_id"] == master["id"]
    assert event["data"]["master_ticket_number"] == master["ticket_number"]
    assert event["data"]["caller_count"] == 3
    assert event["data"]["automatic"] is True
    assert "燃气泄漏" in event["data"]["reason"]
    assert await steps(api, master["id"]) == ["registered", "caller_added", "caller_added"]
    assert await steps(api, third["id"]) == ["registered", "merged"]
    links = await api.rows(
        select(TicketMerge.ticket_id).where(TicketMerge.master_ticket_id == master["id"])
    )
    assert {str(link.ticket_id) for link in links} == {second["id"], third["id"]}


async def test_two_matters_at_one_address_are_never_merged(api):
    grid, _, _ = new_grid()
    gas = await api.register(call(GAS_CALLS[0], grid))
    fire_lane = await api.register(call("3号楼楼道堆放杂物堵塞消防通道", grid))
    corridor_light = await api.register(call("3号楼楼道灯坏了，晚上看不见", grid))

    assert fire_lane["category"]["code"] != gas["category"]["code"]
    for ticket in (gas, fire_lane, corridor_light):
        assert ticket["status"] == "registered"
        assert await event_types(api, ticket["id"]) == [REGISTERED]
    assert (await stored(api, gas["id"])).caller_count == 1


async def test_the_same_matter_a_kilometre_apart_is_two_tickets(api):
    grid, lon, lat = new_grid()
    here = await api.register(call(GAS_CALLS[0], grid, lon=lon, lat=lat))
    near = await api.register(call(GAS_CALLS[1], grid, lon=lon + 0.001, lat=lat))  # ~100 m
    far = await api.register(call(GAS_CALLS[2], grid, lon=lon, lat=lat + 0.009))  # ~1 km

    assert near["status"] == "merged"
    assert far["status"] == "registered"
    assert (await stored(api, here["id"])).caller_count == 2


async def test_a_call_after_the_merge_window_is_a_new_ticket(api, clock):
    grid, _, _ = new_grid()
    first = await api.register(call(GAS_CALLS[0], grid))
    clock.offset = timedelta(hours=5, minutes=59)
    inside = await api.register(call(GAS_CALLS[1], grid))
    clock.offset = timedelta(hours=6, minutes=1)
    # Similar to the first only; the call five hours later is within six hours of it, though:
    # merging is judged against every ticket of the matter, and it joins the same master.
    joined = await api.register(call(GAS_CALLS[2], grid))
    clock.offset = timedelta(hours=12, minutes=30)
    outside = await api.register(call(GAS_CALLS[2], grid))

    assert inside["status"] == "merged"
    assert joined["status"] == "merged"
    assert outside["status"] == "registered"
    assert (await stored(api, first["id"])).caller_count == 3


@pytest.mark.parametrize(
    "description",
    ["他说今天不给钱就从楼顶跳下去", "楼下有人拿着刀在打架，快来人"],
    ids=["threat", "police_matter"],
)
async def test_threats_and_police_matters_are_never_merged(api, description):
    grid, _, _ = new_grid()
    first = await api.register(call(description, grid))
    second = await api.register(call(description, grid))

    assert "police_transfer" in first["dispositions"]
    assert [first["status"], second["status"]] == ["registered", "registered"]
    assert REGISTERED in await event_types(api, second["id"])


async def test_concurrent_calls_about_one_matter_end_with_one_master(api):
    grid, _, _ = new_grid()
    texts = [GAS_CALLS[i % 3] for i in range(8)]

    responses = await asyncio.gather(*(api.post(call(text, grid)) for text in texts))

    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    tickets = [r.json() for r in responses]
    masters = [t for t in tickets if t["status"] == "registered"]
    assert len(masters) == 1
    master = masters[0]
    assert (await stored(api, master["id"])).caller_count == 8
    for ticket in tickets:
        if ticket is not master:
            assert str((await stored(api, ticket["id"])).master_ticket_id) == master["id"]
            assert await event_types(api, ticket["id"]) == [MERGED]


def _gas_ticket(grid: str, description: str, now: datetime) -> Ticket:
    township = grid[:9]
    return Ticket(
        id=uuid.uuid4(),
        ticket_number=f"QT{uuid.uuid4().int % 10**14:014d}",
        channel="hotline_12345",
        status="registered",
        description=description,
        caller_phone=new_phone(),
        grid_code=grid,
        village_code=grid[:12],
        township_code=township,
        area_code=grid,
        location_resolved=True,
        category_group="safety_hazard",
        category_code="gas_leak",
        category_label="燃气泄漏",
        urgency="urgent",
        disposition="task",
        dispositions=["task"],
        reported_at=now,
        registered_at=now,
        registered_by="operator1",
        updated_at=now,
    )


async def duplicates_gate(
    session: Any, ticket: Ticket, now: datetime, *, rules: Any
) -> gate.DuplicateOutcome:
    """The registration's two gate steps for a ticket already in the session: judge (under the
    matter's lock), then record the verdict."""
    verdict = await gate.judge(session, gate.matter_of(ticket), rules)
    return gate.record(session, ticket, verdict, now)


async def test_a_second_registration_waits_for_the_first_and_then_joins_it(api):
    """The race the advisory lock closes: without it, B would not see A's uncommitted ticket
    and would become a second master."""
    grid, _, _ = new_grid()
    runtime = api.service.runtime
    rules = runtime.settings.duplicate_rules()
    now = runtime.now()
    a, b = _gas_ticket(grid, GAS_CALLS[0], now), _gas_ticket(grid, GAS_CALLS[1], now)

    async def register_b() -> gate.DuplicateOutcome:
        async with runtime.transaction() as session:
            session.add(b)
            await session.flush()
            return await duplicates_gate(session, b, now, rules=rules)

    async with runtime.transaction() as session_a:
        session_a.add(a)
        await session_a.flush()
        outcome_a = await duplicates_gate(session_a, a, now, rules=rules)
        b_registering = asyncio.create_task(register_b())
        await asyncio.sleep(0.5)
        assert not b_registering.done(), "B must wait for A's transaction"
    outcome_b = await asyncio.wait_for(b_registering, 10)

    assert outcome_a.merged_into is None
    assert outcome_b.merged_into is not None and outcome_b.merged_into.id == a.id
    assert (await stored(api, a.id)).caller_count == 2
    assert (await stored(api, b.id)).status == "merged"


# --- repeat calls ------------------------------------------------------------------------------


async def test_second_and_third_call_by_one_caller_are_flagged_and_linked(api):
    grid, _, _ = new_grid()
    phone = new_phone()
    first = await api.register(call("3号楼门口路灯坏了好几天", grid, phone=phone))
    second = await api.register(call("路灯还是不亮，怎么没人修", grid, phone=phone))
    third = await api.register(call("第三次打电话了，门口路灯一直坏着", grid, phone=phone))

    rows = [await stored(api, t["id"]) for t in (first, second, third)]
    assert [(r.repeat_count, r.repeat_flag) for r in rows] == [
        (1, None),
        (2, "repeat"),
        (3, "third_call"),
    ]
    assert rows[1].repeat_of_ticket_id == rows[0].id
    assert rows[2].repeat_of_ticket_id == rows[0].id
    # A repeat is its own ticket (the same caller again is no second caller).
    assert [second["status"], third["status"]] == ["registered", "registered"]
    data = await outbox_data(api, third["id"], REGISTERED)
    assert data["repeat_of_ticket_id"] == first["id"]
    assert data["repeat_count"] == 3
    assert await steps(api, first["id"]) == ["registered", "repeat_call", "repeat_call"]
    timeline = (await api.get(third["id"])).json()["timeline"]
    flagged = [e for e in timeline if e["step"] == "repeat_call"]
    assert flagged[0]["summary"].startswith("【重点关注】")
    assert flagged[0]["details"]["repeat_flag"] == "third_call"


async def test_repeat_window_is_thirty_days_inclusive(api, clock):
    (grid_in, _, _), (grid_out, _, _) = new_grid(), new_grid()
    inside_phone, outside_phone = new_phone(), new_phone()
    await api.register(call("门口路灯坏了", grid_in, phone=inside_phone))
    await api.register(call("门口路灯坏了", grid_out, phone=outside_phone))

    clock.offset = timedelta(days=30) - timedelta(minutes=1)
    inside = await api.register(call("门口路灯又坏了", grid_in, phone=inside_phone))
    clock.offset = timedelta(days=30, minutes=1)
    outside = await api.register(call("门口路灯又坏了", grid_out, phone=outside_phone))

    assert (await stored(api, inside["id"])).repeat_count == 2
    outside_row = await stored(api, outside["id"])
    assert (outside_row.repeat_count, outside_row.repeat_of_ticket_id) == (1, None)


async def test_another_matter_by_the_same_caller_is_no_repeat(api):
    grid, _, _ = new_grid()
    phone = new_phone()
    await api.register(call("门口路灯坏了", grid, phone=phone))
    other = await api.register(call("楼上邻居装修噪音太大，晚上十点还在敲", grid, phone=phone))

    assert (await stored(api, other["id"])).repeat_count == 1


# --- operator merge and split ----------------------------------------------------------------


async def _two_separate_gas_tickets(api) -> tuple[dict, dict]:
    grid_a, _, _ = new_grid()
    grid_b, _, _ = new_grid()
    a = await api.register(call(GAS_CALLS[0], grid_a))
    b = await api.register(call(GAS_CALLS[1], grid_b))
    assert [a["status"], b["status"]] == ["registered", "registered"]
    return a, b


async def test_operator_merges_a_ticket_into_a_master_by_its_number(api, broker):
    a, b = await _two_separate_gas_tickets(api)

    response = await post_action(
        api, b["id"], "merge", {"master": a["ticket_number"], "reason": "同一燃气管道泄漏"}
    )

    assert response.status_code == 200, response.text
    state = response.json()
    assert state["status"] == "merged"
    assert state["master_ticket_id"] == a["id"]
    assert state["timeline"][-1]["step"] == "merged"
    assert (await stored(api, a["id"])).caller_count == 2
    data = await published_data(broker, b["id"], MERGED)
    assert data["automatic"] is False
    assert data["actor"] == "operator1"
    assert data["reason"] == "同一燃气管道泄漏"
    assert data["caller_count"] == 2


async def test_operator_merge_refuses_wrong_states(api):
    a, b = await _two_separate_gas_tickets(api)
    merge = {"master": a["id"], "reason": "同一事项"}

    itself = await post_action(api, a["id"], "merge", {"master": a["id"], "reason": "同一事项"})
    api.expect_problem(itself, 422, "body.master")
    assert (await post_action(api, b["id"], "merge", merge)).status_code == 200
    api.expect_problem(await post_action(api, b["id"], "merge", merge), 409)
    _, c = await _two_separate_gas_tickets(api)
    into_merged = await post_action(api, c["id"], "merge", {"master": b["id"], "reason": "同一"})
    api.expect_problem(into_merged, 409)
    # a has a merged caller now: it can't itself become another master's caller.
    master_of_b = await post_action(api, a["id"], "merge", {"master": c["id"], "reason": "同一"})
    api.expect_problem(master_of_b, 409)
    unknown_master = {"master": "QS20000101000001", "reason": "同一"}
    unknown = await post_action(api, c["id"], "merge", unknown_master)
    api.expect_problem(unknown, 404)
    assert (await stored(api, a["id"])).caller_count == 2


async def test_operator_merge_needs_an_operator_or_dispatcher_in_the_area(api):
    a, b = await _two_separate_gas_tickets(api)
    merge = {"master": a["id"], "reason": "同一事项"}

    api.expect_problem(await post_action(api, b["id"], "merge", merge, role="handler"), 403)
    elsewhere = api.headers("dispatcher", area="331199008")
    api.expect_problem(await post_action(api, b["id"], "merge", merge, headers=elsewhere), 404)
    bad = await post_action(api, b["id"], "merge", {"master": a["id"]})
    api.expect_problem(bad, 422, "body.reason")
    assert (await stored(api, b["id"])).status == "registered"


async def test_merge_with_the_same_idempotency_key_acts_once(api):
    a, b = await _two_separate_gas_tickets(api)
    merge = {"master": a["id"], "reason": "同一事项"}

    first = await post_action(api, b["id"], "merge", merge, key="merge-once-1")
    again = await post_action(api, b["id"], "merge", merge, key="merge-once-1")
    changed = await post_action(
        api, b["id"], "merge", {**merge, "reason": "另一个理由"}, key="merge-once-1"
    )

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["status"] == "merged"
    api.expect_problem(changed, 422)
    assert (await event_types(api, b["id"])).count(MERGED) == 1
    assert (await stored(api, a["id"])).caller_count == 2


async def test_split_restores_an_independent_ticket_published_in_full(api, broker):
    grid, _, _ = new_grid()
    master = await api.register(call(GAS_CALLS[0], grid))
    wrong = await api.register(call(GAS_CALLS[1], grid))
    assert wrong["status"] == "merged"

    response = await post_action(api, wrong["id"], "split", {"reason": "是隔壁楼另一处漏气"})

    assert response.status_code == 200, response.text
    state = response.json()
    assert (state["status"], state["master_ticket_id"]) == ("registered", None)
    assert state["timeline"][-1]["step"] == "split"
    assert (await stored(api, master["id"])).caller_count == 1
    data = await published_data(broker, wrong["id"], SPLIT)
    assert data["split_from_ticket_id"] == master["id"]
    assert data["description"] == GAS_CALLS[1]
    assert data["category"]["code"] == "gas_leak"
    assert data["location"]["grid_code"] == grid
    assert data["caller"]["phone_hash"] and "*" in data["caller"]["phone_masked"]
    assert data["reason"] == "是隔壁楼另一处漏气"
    link = (await api.rows(select(TicketMerge).where(TicketMerge.ticket_id == wrong["id"])))[0][0]
    assert link.split_reason == "是隔壁楼另一处漏气" and link.split_at is not None
    api.expect_problem(await post_action(api, wrong["id"], "split", {"reason": "再拆一次"}), 409)
    # Split off, it can be merged again by an operator.
    merge_back = {"master": master["id"], "reason": "核实后确为同一处"}
    again = await post_action(api, wrong["id"], "merge", merge_back)
    assert again.status_code == 200
    assert (await stored(api, master["id"])).caller_count == 2
