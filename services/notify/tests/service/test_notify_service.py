"""Notify as a running service: assignments, cases and alerts in, in-app deliveries out.

One notify app serves the whole module (fixture ``notify`` in conftest.py); each test's events
are about a fresh ticket, so tests don't see each other's deliveries.
"""

from __future__ import annotations

from pingan_common.events import DeliverySent, EventEnvelope
from pingan_common.events.topics import DISPATCH_TASKS
from pingan_common.testing.services import eventually


def deliveries_of(notify, event: EventEnvelope, role: str | None = None, **claims: str):  # type: ignore[no-untyped-def]
    """The deliveries notify lists for the event's ticket, as seen by ``role`` with ``claims``."""
    return notify.items(
        "/v1/deliveries", role=role, claims=claims, correlation_id=event.correlationid
    )


async def deliveries_counted(notify, event: EventEnvelope, count: int):  # type: ignore[no-untyped-def]
    items = await deliveries_of(notify, event)
    return items if len(items) >= count else None


async def test_an_assigned_task_is_delivered_to_its_unit_and_co_units(notify, events):
    assigned = events.task_assigned(
        unit_code="331199-D-CG", co_unit_codes=("331199001-ZZ", "331199-D-SJ")
    )

    await notify.send(assigned)

    deliveries = await eventually(lambda: deliveries_counted(notify, assigned, 3))
    assert sorted(d["recipient"] for d in deliveries) == [
        "331199-D-CG",
        "331199-D-SJ",
        "331199001-ZZ",
    ]
    for delivery in deliveries:
        assert delivery["channel"] == "in_app"
        assert delivery["recipient_kind"] == "unit"
        assert delivery["status"] == "sent"
        assert delivery["ticket_id"] == str(assigned.data.ticket_id)
        assert delivery["trigger_type"] == assigned.type


async def test_each_delivery_is_announced_as_caused_by_its_trigger(notify, events):
    assigned = events.task_assigned(co_unit_codes=("331199-D-SJ",))

    await notify.send(assigned)

    sent = await notify.published.events(assigned.correlationid, count=2)
    deliveries = await eventually(lambda: deliveries_counted(notify, assigned, 2))
    assert all(isinstance(event, DeliverySent) for event in sent)
    assert {e.subject for e in sent} == {d["id"] for d in deliveries}
    for event in sent:
        assert event.causationid == str(assigned.id)
        assert event.correlationid == str(assigned.data.ticket_id)
        assert event.subject == str(event.data.delivery_id)
        assert event.source == "/pingan/notify"
        assert event.data.trigger_event_id == assigned.id
        assert event.data.trigger_type == assigned.type
    assert {e.data.recipient for e in sent} == {"331199001-ZZ", "331199-D-SJ"}


async def test_an_opened_case_is_delivered_to_its_committee(notify, events):
    opened = events.case_opened(committee_code="331199001001-TWH")

    await notify.send(opened)

    (delivery,) = await eventually(lambda: deliveries_of(notify, opened))
    assert delivery["recipient"] == "331199001001-TWH"
    assert delivery["title"] == f"新调解案件 {opened.data.case_number}"
    mediator = {"role": "mediator", "area": "331199001001", "unit": "331199001001-TWH"}
    assert [d["id"] for d in await deliveries_of(notify, opened, **mediator)] == [delivery["id"]]


async def test_a_red_alert_is_delivered_to_the_leader_and_the_analyst_of_its_area(notify, events):
    raised = events.alert_raised(level="red", area_code="33119900100101")

    await notify.send(raised)

    deliveries = await eventually(lambda: deliveries_counted(notify, raised, 2))
    assert sorted(d["recipient"] for d in deliveries) == [
        "analyst@33119900100101",
        "leader@33119900100101",
    ]
    assert {d["recipient_kind"] for d in deliveries} == {"role"}
    assert all(d["title"].startswith("红色预警") for d in deliveries)
    county_leader = await deliveries_of(notify, raised, role="leader")
    assert len(county_leader) == 2


async def test_the_same_assignment_delivered_twice_notifies_each_unit_once(notify, events):
    assigned = events.task_assigned(co_unit_codes=("331199-D-SJ",))
    marker = events.task_assigned()

    await notify.send(assigned)
    await notify.send(assigned)
    # Same key, same partition: once the marker is applied, both copies have been seen.
    await notify.send(marker, key=assigned.subject)

    await eventually(lambda: notify.consumed(marker.id))
    deliveries = await deliveries_of(notify, assigned)
    assert sorted(d["recipient"] for d in deliveries) == ["331199-D-SJ", "331199001-ZZ"]
    assert await notify.outbox_count(DeliverySent.event_type(), assigned.correlationid) == 2


async def test_an_unparseable_message_is_dead_lettered_and_the_next_assignment_still_flows(
    notify, events
):
    assigned = events.task_assigned()
    key = f"garbage-{assigned.subject}"

    await notify.send(b"not json", key=key, topic=DISPATCH_TASKS)
    await notify.send(assigned, key=key)

    (dead,) = await notify.dead_letters.records(lambda r: r.key == key.encode())
    assert dead.value == b"not json"
    assert dict(dead.headers)["dlq_error"]
    assert dead.topic == notify.stack.kafka_settings().topic("dispatch.tasks.v1.dlq.notify")
    assert await eventually(lambda: deliveries_of(notify, assigned))


async def test_a_unit_sees_only_the_deliveries_addressed_to_it(notify, events):
    assigned = events.task_assigned(unit_code="331199001-ZZ", co_unit_codes=("331199-D-SJ",))
    await notify.send(assigned)
    await eventually(lambda: deliveries_counted(notify, assigned, 2))

    township = {"role": "handler", "area": "331199001", "unit": "331199001-ZZ"}
    co_unit = {"role": "handler", "area": "331199", "unit": "331199-D-SJ"}
    elsewhere = {"role": "handler", "area": "331199002", "unit": "331199002-ZZ"}

    assert [d["recipient"] for d in await deliveries_of(notify, assigned, **township)] == [
        "331199001-ZZ"
    ]
    # A county department is county-wide: it sees every delivery.
    assert len(await deliveries_of(notify, assigned, **co_unit)) == 2
    assert await deliveries_of(notify, assigned, **elsewhere) == []


async def test_a_township_leader_sees_alerts_raised_anywhere_in_its_township(notify, events):
    raised = events.alert_raised(level="orange", area_code="33119900100101")
    await notify.send(raised)
    await eventually(lambda: deliveries_counted(notify, raised, 2))

    own = {"role": "leader", "area": "331199001", "unit": "331199001-ZZ"}
    elsewhere = {"role": "leader", "area": "331199002", "unit": "331199002-ZZ"}

    mine = await deliveries_of(notify, raised, **own)
    assert [d["recipient"] for d in mine] == ["leader@33119900100101"]
    assert await deliveries_of(notify, raised, **elsewhere) == []


async def test_a_village_leader_does_not_see_an_alert_raised_for_its_whole_township(notify, events):
    raised = events.alert_raised(level="red", area_code="331199001")
    await notify.send(raised)
    await eventually(lambda: deliveries_counted(notify, raised, 2))

    village = {"role": "leader", "area": "331199001001", "unit": "331199001001-CWH"}

    assert await deliveries_of(notify, raised, **village) == []


async def test_a_user_with_neither_area_nor_unit_sees_no_delivery(notify, events):
    raised = events.alert_raised(level="red", area_code="331199001")
    await notify.send(raised)
    await eventually(lambda: deliveries_counted(notify, raised, 2))
    token = notify.stack.auth.token_with("nowhere1", name="无辖区", roles=["leader"], area="")

    response = await notify.client.get(
        "/v1/deliveries",
        params={"correlation_id": raised.correlationid},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


async def test_listing_deliveries_needs_a_token_and_a_staff_role(notify):
    token = notify.stack.auth.token_with("citizen1", name="群众", roles=["citizen"], area="331199")

    anonymous = await notify.client.get("/v1/deliveries")
    citizen = await notify.client.get(
        "/v1/deliveries", headers={"Authorization": f"Bearer {token}"}
    )

    assert anonymous.status_code == 401
    assert citizen.status_code == 403


async def test_deliveries_come_in_pages_that_together_list_each_delivery_once(notify, events):
    assigned = events.task_assigned(
        unit_code="331199-D-CG",
        co_unit_codes=("331199001-ZZ", "331199-D-SJ", "331199-D-HB", "331199-D-ZJ"),
    )
    await notify.send(assigned)
    everything = await eventually(lambda: deliveries_counted(notify, assigned, 5))

    pages, cursor = [], None
    while True:
        params = {"correlation_id": assigned.correlationid, "limit": 2}
        response = await notify.client.get(
            "/v1/deliveries",
            params=params | ({"cursor": cursor} if cursor else {}),
            headers=notify.headers(),
        )
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append([d["id"] for d in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert [len(p) for p in pages] == [2, 2, 1]
    assert [i for p in pages for i in p] == [d["id"] for d in everything]


async def test_notify_is_ready_when_database_broker_and_consumer_run(notify):
    response = await notify.client.get("/readyz")

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ready"
