"""Dispatch as a running service: registered tickets in, routed tasks and their events out.

One dispatch app serves the whole module (fixture ``dispatch`` in conftest.py); each test uses
its own tickets, so tests don't see each other's tasks.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pingan_common.events import TaskAssigned, TaskCreated, TicketRegistered
from pingan_common.events.topics import INTAKE_TICKETS
from pingan_common.testing.services import eventually


def tasks_of(dispatch, ticket: TicketRegistered, role: str | None = None, **claims: str):  # type: ignore[no-untyped-def]
    """The tasks dispatch lists for this ticket, as seen by ``role`` with ``claims``."""
    return dispatch.items(
        "/v1/tasks", role=role, claims=claims, ticket_id=str(ticket.data.ticket_id)
    )


def task_rule_id(tasks: list[dict]) -> str:
    (task,) = tasks
    return task["rule_id"]


async def test_a_street_light_ticket_becomes_a_task_assigned_to_its_township(dispatch, make_ticket):
    ticket = make_ticket()

    await dispatch.send(ticket)

    tasks = await eventually(lambda: tasks_of(dispatch, ticket))
    assert len(tasks) == 1
    task = tasks[0]
    assert task["state"] == "assigned"
    assert task["unit_code"] == "331199001-ZZ"
    assert task["rule_id"]
    assert task["route_reason"]
    assert task["ticket_number"] == ticket.data.ticket_number
    assert task["area_code"] == ticket.data.area_code

    response = await dispatch.client.get(f"/v1/tasks/{task['id']}", headers=dispatch.headers())
    assert response.status_code == 200, response.text
    history = response.json()["history"]
    assert [(h["action"], h["from_state"], h["to_state"]) for h in history] == [
        ("create", None, "created"),
        ("assign", "created", "assigned"),
    ]
    assert history[1]["details"]["unit_code"] == "331199001-ZZ"
    assert history[1]["details"]["rule_id"] == task["rule_id"]


async def test_a_task_publishes_created_then_assigned_caused_by_the_ticket_event(
    dispatch, make_ticket
):
    ticket = make_ticket()

    await dispatch.send(ticket)

    created, assigned = await dispatch.published.events(ticket.correlationid, count=2)
    task_id = (await eventually(lambda: tasks_of(dispatch, ticket)))[0]["id"]
    assert isinstance(created, TaskCreated)
    assert isinstance(assigned, TaskAssigned)
    for event in (created, assigned):
        assert event.causationid == str(ticket.id)
        assert event.correlationid == str(ticket.data.ticket_id)
        assert event.subject == task_id
        assert event.source == "/pingan/dispatch"
    assert str(created.data.task_id) == str(assigned.data.task_id) == task_id
    assert assigned.data.unit_code == "331199001-ZZ"
    assert assigned.data.unit_name == "城关街道综治中心"
    assert assigned.data.rule_id == task_rule_id(await tasks_of(dispatch, ticket))


async def test_an_urgent_task_gets_a_30_minute_sign_in_and_a_2_hour_deadline(dispatch, make_ticket):
    ticket = make_ticket(
        "闻到很浓的燃气味，怀疑燃气泄漏",
        group="safety_hazard",
        code="gas_leak",
        label="燃气泄漏",
        urgency="urgent",
    )

    await dispatch.send(ticket)

    (task,) = await eventually(lambda: tasks_of(dispatch, ticket))
    assigned_at = datetime.fromisoformat(task["assigned_at"])
    assert task["unit_code"] == "331199-D-RQ"
    assert datetime.fromisoformat(task["accept_due_at"]) - assigned_at == timedelta(minutes=30)
    assert datetime.fromisoformat(task["due_at"]) - assigned_at == timedelta(hours=2)


async def test_a_township_missing_from_the_directory_leaves_the_task_with_the_command_center(
    dispatch, make_ticket
):
    ticket = make_ticket(township="331199099", village=None, grid=None)

    await dispatch.send(ticket)

    (task,) = await eventually(lambda: tasks_of(dispatch, ticket))
    assert task["unit_code"] == "331199-CC"
    assert task["state"] == "assigned"


async def test_a_consultation_answered_at_intake_makes_no_task(dispatch, make_ticket):
    ticket = make_ticket(
        "请问居住证怎么办理，需要什么材料",
        group="consultation",
        code="policy",
        label="政策咨询",
        dispositions=("answer",),
    )

    await dispatch.send(ticket)

    await eventually(lambda: dispatch.consumed(ticket.id))
    assert await tasks_of(dispatch, ticket) == []
    assert (
        await dispatch.scalar(
            "SELECT count(*) FROM tasks WHERE ticket_id = :t", t=ticket.data.ticket_id
        )
        == 0
    )


async def test_a_dispute_for_mediation_makes_no_task(dispatch, make_ticket):
    ticket = make_ticket(
        "隔壁邻居装修把我家墙弄裂了，想请社区调解",
        group="dispute",
        code="neighbour",
        label="邻里纠纷",
        dispositions=("mediation",),
    )

    await dispatch.send(ticket)

    await eventually(lambda: dispatch.consumed(ticket.id))
    assert await tasks_of(dispatch, ticket) == []


async def test_the_same_ticket_event_delivered_twice_makes_one_task(dispatch, make_ticket):
    ticket = make_ticket()
    marker = make_ticket()

    await dispatch.send(ticket)
    await dispatch.send(ticket)
    # Same key, same partition: once the marker is applied, both copies have been seen.
    await dispatch.send(marker, key=ticket.subject)

    await eventually(lambda: dispatch.consumed(marker.id))
    assert len(await tasks_of(dispatch, ticket)) == 1
    assert await dispatch.outbox_count(TaskCreated.event_type(), ticket.correlationid) == 1
    assert await dispatch.outbox_count(TaskAssigned.event_type(), ticket.correlationid) == 1
    assert (
        await dispatch.scalar("SELECT count(*) FROM inbox WHERE event_id = :id", id=ticket.id) == 1
    )


async def test_an_unparseable_message_is_dead_lettered_and_the_next_ticket_still_flows(
    dispatch, make_ticket
):
    ticket = make_ticket()
    key = f"garbage-{ticket.subject}"

    await dispatch.send(b"not json", key=key, topic=INTAKE_TICKETS)
    await dispatch.send(ticket, key=key)

    (dead,) = await dispatch.dead_letters.records(lambda r: r.key == key.encode())
    headers = dict(dead.headers)
    assert dead.value == b"not json"
    assert headers["dlq_error"]
    assert headers["dlq_original_topic"].decode().endswith("intake.tickets.v1")
    assert dead.topic == dispatch.stack.kafka_settings().topic("intake.tickets.v1.dlq.dispatch")
    assert len(await eventually(lambda: tasks_of(dispatch, ticket))) == 1


async def test_a_township_user_sees_only_tasks_of_its_own_township(dispatch, make_ticket):
    ticket = make_ticket()
    await dispatch.send(ticket)
    (task,) = await eventually(lambda: tasks_of(dispatch, ticket))

    own = await tasks_of(dispatch, ticket, role="handler", area="331199001", unit="331199001-ZZ")
    other = await tasks_of(dispatch, ticket, role="handler", area="331199002", unit="331199002-ZZ")
    single = await dispatch.client.get(
        f"/v1/tasks/{task['id']}",
        headers=dispatch.headers("handler", area="331199002", unit="331199002-ZZ"),
    )

    assert [t["id"] for t in own] == [task["id"]]
    assert other == []
    assert single.status_code == 404  # as if not there: the refusal tells nothing of it


async def test_the_assigned_unit_sees_its_task_even_from_outside_the_area(dispatch, make_ticket):
    ticket = make_ticket("小区电梯困人了", group="safety_hazard", code="elevator", label="电梯故障")
    await dispatch.send(ticket)
    (task,) = await eventually(lambda: tasks_of(dispatch, ticket))
    assert task["unit_code"] == "331199-D-SJ"

    mine = await tasks_of(dispatch, ticket, role="handler", area="331199", unit="331199-D-SJ")

    assert [t["id"] for t in mine] == [task["id"]]


async def test_listing_tasks_needs_a_token_and_a_staff_role(dispatch):
    anonymous = await dispatch.client.get("/v1/tasks")
    mediator = await dispatch.client.get("/v1/tasks", headers=dispatch.headers("mediator"))

    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    assert mediator.status_code == 403


async def test_tasks_come_in_pages_that_together_list_each_task_once(dispatch, make_ticket):
    tickets = [
        make_ticket("污水直排河道", group="city_service", code="pollution", label="环境污染")
        for _ in range(5)
    ]
    for ticket in tickets:
        await dispatch.send(ticket)

    async def all_tasks() -> list[dict] | None:
        response = await dispatch.client.get(
            "/v1/tasks",
            params={"unit_code": "331199-D-HB", "limit": 500},
            headers=dispatch.headers(),
        )
        items = response.json()["items"]
        return items if len(items) == len(tickets) else None

    everything = await eventually(all_tasks)
    pages, cursor = [], None
    while True:
        params = {"unit_code": "331199-D-HB", "limit": 2} | ({"cursor": cursor} if cursor else {})
        response = await dispatch.client.get("/v1/tasks", params=params, headers=dispatch.headers())
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append([t["id"] for t in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert [len(p) for p in pages] == [2, 2, 1]
    assert [i for p in pages for i in p] == [t["id"] for t in everything]
    assert {t["ticket_id"] for t in everything} == {str(t.data.ticket_id) for t in tickets}


async def test_a_tampered_cursor_is_a_bad_request_not_a_crash(dispatch):
    response = await dispatch.client.get(
        "/v1/tasks", params={"cursor": "not-a-cursor"}, headers=dispatch.headers()
    )

    assert response.status_code == 400


async def test_dispatch_is_ready_when_database_broker_and_consumer_run(dispatch):
    response = await dispatch.client.get("/readyz")

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ready"
