"""Mediation as a running service: dispute tickets in, mediation cases and CaseOpened out.

One mediation app serves the whole module (fixture ``mediation`` in conftest.py); each test
uses its own tickets, so tests don't see each other's cases.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from pingan_common.events import CaseOpened, TicketRegistered
from pingan_common.events.topics import INTAKE_TICKETS
from pingan_common.testing.services import eventually

NEIGHBOURS = {
    "description": "隔壁邻居装修把我家墙弄裂了，谈了几次谈不拢，想请社区调解",
    "group": "dispute",
    "code": "neighbour",
    "label": "邻里纠纷",
    "dispositions": ("mediation",),
}


def cases_of(mediation, ticket: TicketRegistered, role: str | None = None, **claims: str):  # type: ignore[no-untyped-def]
    """The cases mediation lists for this ticket, as seen by ``role`` with ``claims``."""
    return mediation.items(
        "/v1/cases", role=role, claims=claims, ticket_id=str(ticket.data.ticket_id)
    )


COUNTY_MEDIATOR = {"role": "mediator", "area": "331199", "unit": "331199-D-SF"}


async def test_a_neighbour_dispute_opens_a_case_at_the_village_committee(mediation, make_ticket):
    ticket = make_ticket(**NEIGHBOURS, village="331199001002", grid=None)

    await mediation.send(ticket)

    (case,) = await eventually(lambda: cases_of(mediation, ticket, **COUNTY_MEDIATOR))
    assert case["state"] == "registered"
    assert case["committee_code"] == "331199001002-TWH"
    assert case["dispute_type"] == "neighbour"
    assert case["dispute_label"] == "邻里纠纷"
    assert case["description"] == NEIGHBOURS["description"]
    assert case["area_code"] == "331199001002"
    assert re.fullmatch(r"TJ\d{8}\d{6}", case["case_number"])
    opened_at = datetime.fromisoformat(case["opened_at"])
    # one calendar month, to the end of the due date (a rest day moves it on)
    due_in = datetime.fromisoformat(case["due_at"]) - opened_at
    assert timedelta(days=28) < due_in < timedelta(days=36)


async def test_an_opened_case_is_announced_as_caused_by_the_ticket_event(mediation, make_ticket):
    ticket = make_ticket(**NEIGHBOURS)

    await mediation.send(ticket)

    (opened,) = await mediation.published.events(ticket.correlationid)
    (case,) = await eventually(lambda: cases_of(mediation, ticket, **COUNTY_MEDIATOR))
    assert isinstance(opened, CaseOpened)
    assert opened.causationid == str(ticket.id)
    assert opened.correlationid == str(ticket.data.ticket_id)
    assert opened.subject == case["id"] == str(opened.data.case_id)
    assert opened.source == "/pingan/mediation"
    assert opened.data.case_number == case["case_number"]
    assert opened.data.committee_code == "331199001001-TWH"
    assert opened.data.committee_name == case["committee_name"]


async def test_an_unlocated_dispute_goes_to_the_county_justice_bureau(mediation, make_ticket):
    ticket = make_ticket(**NEIGHBOURS, township=None, village=None, grid=None)

    await mediation.send(ticket)

    (case,) = await eventually(lambda: cases_of(mediation, ticket, **COUNTY_MEDIATOR))
    assert case["committee_code"] == "331199-D-SF"
    assert case["area_code"] == "331199"


async def test_case_numbers_are_unique(mediation, make_ticket):
    tickets = [make_ticket(**NEIGHBOURS) for _ in range(3)]
    for ticket in tickets:
        await mediation.send(ticket)

    numbers = [
        (await eventually(lambda t=t: cases_of(mediation, t, **COUNTY_MEDIATOR)))[0]["case_number"]
        for t in tickets
    ]

    assert len(set(numbers)) == 3


async def test_a_ticket_that_needs_no_mediation_opens_no_case(mediation, make_ticket):
    street_light = make_ticket()

    await mediation.send(street_light)

    await eventually(lambda: mediation.consumed(street_light.id))
    assert await cases_of(mediation, street_light, **COUNTY_MEDIATOR) == []


async def test_the_same_ticket_event_delivered_twice_opens_one_case(mediation, make_ticket):
    ticket = make_ticket(**NEIGHBOURS)
    marker = make_ticket(**NEIGHBOURS)

    await mediation.send(ticket)
    await mediation.send(ticket)
    # Same key, same partition: once the marker is applied, both copies have been seen.
    await mediation.send(marker, key=ticket.subject)

    await eventually(lambda: mediation.consumed(marker.id))
    assert len(await cases_of(mediation, ticket, **COUNTY_MEDIATOR)) == 1
    assert await mediation.outbox_count(CaseOpened.event_type(), ticket.correlationid) == 1


async def test_an_unparseable_message_is_dead_lettered_and_the_next_dispute_still_flows(
    mediation, make_ticket
):
    ticket = make_ticket(**NEIGHBOURS)
    key = f"garbage-{ticket.subject}"

    await mediation.send(b"not json", key=key, topic=INTAKE_TICKETS)
    await mediation.send(ticket, key=key)

    (dead,) = await mediation.dead_letters.records(lambda r: r.key == key.encode())
    assert dead.value == b"not json"
    assert dict(dead.headers)["dlq_error"]
    assert dead.topic == mediation.stack.kafka_settings().topic("intake.tickets.v1.dlq.mediation")
    assert await eventually(lambda: cases_of(mediation, ticket, **COUNTY_MEDIATOR))


async def test_a_mediator_sees_cases_of_its_own_area_only(mediation, make_ticket):
    ticket = make_ticket(**NEIGHBOURS, village="331199001001")
    await mediation.send(ticket)
    (case,) = await eventually(lambda: cases_of(mediation, ticket, **COUNTY_MEDIATOR))

    township = {"role": "mediator", "area": "331199001", "unit": "331199001-TC"}
    village = {"role": "mediator", "area": "331199001001", "unit": "331199001001-TWH"}
    elsewhere = {"role": "mediator", "area": "331199003", "unit": "331199003-TC"}
    other_mediator = mediation.headers("mediator", area=elsewhere["area"], unit=elsewhere["unit"])

    assert [c["id"] for c in await cases_of(mediation, ticket, **township)] == [case["id"]]
    assert [c["id"] for c in await cases_of(mediation, ticket, **village)] == [case["id"]]
    assert await cases_of(mediation, ticket, **elsewhere) == []
    single = await mediation.client.get(f"/v1/cases/{case['id']}", headers=other_mediator)
    assert single.status_code == 404


async def test_listing_cases_needs_a_token_and_a_role_that_works_on_disputes(mediation):
    anonymous = await mediation.client.get("/v1/cases")
    grid_worker = await mediation.client.get("/v1/cases", headers=mediation.headers("grid_worker"))

    assert anonymous.status_code == 401
    assert grid_worker.status_code == 403


async def test_a_case_that_does_not_exist_is_not_found(mediation):
    response = await mediation.client.get(
        "/v1/cases/0192f000-0000-7000-8000-000000000000", headers=mediation.headers("admin")
    )

    assert response.status_code == 404


async def test_mediation_is_ready_when_database_broker_and_consumer_run(mediation):
    response = await mediation.client.get("/readyz")

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ready"
